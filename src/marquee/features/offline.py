"""The batch computation: every feature, as of any time, with DuckDB SQL over the events table.

Features are computed for a *spine*: rows of ``(key, entity id, as_of)``. Materialisation uses
one row per entity at "now"; a training set uses one row per label at the label's time, so
serving and training run the very same SQL. Times are compared as integer microseconds, as the
stream path does, so both paths agree to the last digit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from marquee.features import definitions as d

_US = 1_000_000
_DAY = 86_400 * _US
_TS = pa.timestamp("us", tz="UTC")


def _us(span: Any) -> int:
    return int(span.total_seconds()) * _US


def _window(name: str) -> int:
    return _us(d.window_of(name))


def _in(names: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(f"'{name}'" for name in names) + ")"


# The events the features read: deduplicated by id, event time as integer microseconds.
_EVENTS = """
CREATE OR REPLACE TEMP TABLE ev AS
SELECT event_id, type, profile_id, session_id, title_id, episode_id, position_s, duration_s,
       device, country, value, epoch_us(client_time) AS t,
       CASE WHEN duration_s > 0 THEN position_s / duration_s END AS progress
FROM (SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY server_time) AS n
      FROM events_in) WHERE n = 1
"""

# Sessions: a new one starts after a gap longer than SESSION_GAP (ties broken by event id, so
# both windows below see the same order).
_SESSIONS = f"""
CREATE OR REPLACE TEMP TABLE sess AS
WITH marked AS (
  SELECT profile_id, t, event_id,
         CASE WHEN t - lag(t) OVER w > {_us(d.SESSION_GAP)} THEN 1 ELSE 0 END AS brk
  FROM ev WINDOW w AS (PARTITION BY profile_id ORDER BY t, event_id)
), numbered AS (
  SELECT *, sum(brk) OVER (PARTITION BY profile_id ORDER BY t, event_id
                           ROWS UNBOUNDED PRECEDING) AS sno
  FROM marked
)
SELECT profile_id, t, event_id, sno, min(t) OVER (PARTITION BY profile_id, sno) AS s_start
FROM numbered
"""

_REALTIME = f"""
WITH sp AS (SELECT key, profile_id, epoch_us(as_of) AS a FROM spine),
last AS (
  SELECT sp.key, sp.profile_id, sp.a, x.t AS last_t, x.sno, x.s_start,
         x.t IS NOT NULL AND sp.a - x.t <= {_us(d.SESSION_GAP)} AS open
  FROM sp ASOF LEFT JOIN sess x ON sp.profile_id = x.profile_id AND sp.a >= x.t
),
genres AS (
  SELECT l.key, list_sort(list(DISTINCT g.genre)) AS session_genres
  FROM last l
  JOIN sess x ON x.profile_id = l.profile_id AND x.sno = l.sno AND x.t <= l.a
  JOIN ev e ON e.event_id = x.event_id AND e.type = 'play_start'
  JOIN (SELECT title_id, unnest(genres) AS genre FROM titles_in) g ON g.title_id = e.title_id
  WHERE l.open GROUP BY l.key
),
counts AS (
  SELECT sp.key,
    count(*) FILTER (WHERE e.type IN ('stop', 'skip')
                     AND e.t > sp.a - {_window("abandoned_plays_1h")}
                     AND NOT coalesce(e.progress >= {d.ABANDON_BELOW}, false)) AS abandoned,
    count(*) FILTER (WHERE e.type = 'play_start' AND e.t >= sp.a - sp.a % {_DAY}) AS plays,
    count(*) FILTER (WHERE e.type = 'complete' AND e.t >= sp.a - sp.a % {_DAY}) AS completes
  FROM sp JOIN ev e ON e.profile_id = sp.profile_id AND e.t <= sp.a AND e.t > sp.a - {_DAY}
  GROUP BY sp.key
),
recent AS (
  SELECT key, list(title_id ORDER BY last_play DESC, title_id)[1:{d.RECENT_ITEMS}] AS items
  FROM (SELECT sp.key, e.title_id, max(e.t) AS last_play
        FROM sp JOIN ev e ON e.profile_id = sp.profile_id AND e.type = 'play_start'
         AND e.t <= sp.a AND e.t > sp.a - {_window("recent_items")}
        GROUP BY ALL)
  GROUP BY key
)
SELECT l.key, l.profile_id,
  CASE WHEN l.open THEN coalesce(g.session_genres, []) ELSE [] END AS session_genres,
  CASE WHEN l.open THEN (l.last_t - l.s_start) / {_US} ELSE 0.0 END AS session_length_s,
  coalesce(r.items, []) AS recent_items,
  coalesce(c.abandoned, 0) AS abandoned_plays_1h,
  coalesce(c.plays, 0) AS plays_today,
  CASE WHEN c.plays > 0 THEN least(1.0, c.completes / c.plays) END AS completion_rate_today
FROM last l LEFT JOIN genres g USING (key) LEFT JOIN counts c USING (key)
LEFT JOIN recent r USING (key)
ORDER BY l.key
"""

# One row per play: a profile's playback events of one title (episode) in one client session.
_PLAYS = f"""
SELECT sp.key, sp.a, e.profile_id, e.title_id, e.episode_id, e.session_id,
       min(e.t) AS started,
       greatest(coalesce(max(e.position_s) - min(e.position_s), 0), 0) AS watched_s,
       CASE WHEN bool_or(e.type = 'complete') THEN 1.0
            WHEN max(e.duration_s) > 0 THEN least(1.0, max(e.position_s) / max(e.duration_s))
       END AS completion
FROM sp JOIN ev e ON e.{{entity}} = sp.{{entity}} AND e.t <= sp.a AND e.t > sp.a - {{span}}
WHERE e.type IN {_in(d.PLAYBACK)} AND e.title_id IS NOT NULL
GROUP BY ALL
"""


def _hours(days: int) -> str:
    return (
        f"coalesce(sum(watched_s) FILTER (WHERE started > a - {days * _DAY}), 0) / 3600.0"
        f" AS watch_hours_{days}d"
    )


_WEIGHT = " ".join(f"WHEN '{k}' THEN {v}" for k, v in d.GENRE_WEIGHTS.items())
_BUCKET = " ".join(
    f"WHEN (t // {3600 * _US}) % 24 < {end} THEN '{name}'"
    for (name, _), (_, end) in zip(d.TIME_OF_DAY, [*d.TIME_OF_DAY[1:], ("", 24)], strict=True)
)
_ORDER = " ".join(f"WHEN '{name}' THEN {i}" for i, (name, _) in enumerate(d.TIME_OF_DAY))

_PROFILES = f"""
WITH sp AS (SELECT key, profile_id, epoch_us(as_of) AS a FROM spine),
plays AS ({_PLAYS.format(entity="profile_id", span=_window("watch_hours_365d"))}),
watch AS (
  SELECT key, {_hours(30)}, {_hours(90)}, {_hours(365)},
         median(completion) AS completion_rate_median
  FROM plays GROUP BY key
),
recent AS (
  SELECT sp.key, sp.a, e.* FROM sp JOIN ev e ON e.profile_id = sp.profile_id
   AND e.t <= sp.a AND e.t > sp.a - {_window("genre_affinity")}
),
genre_w AS (
  SELECT key, g.genre, sum(CASE type {_WEIGHT} WHEN 'rate' THEN value - 3 ELSE 0 END) AS w
  FROM recent r JOIN (SELECT title_id, unnest(genres) AS genre FROM titles_in) g USING (title_id)
  GROUP BY ALL
),
affinity AS (
  SELECT key, map_from_entries(list((genre, w / total) ORDER BY genre)) AS genre_affinity
  FROM (SELECT *, sum(abs(w)) OVER (PARTITION BY key) AS total FROM genre_w)
  WHERE total > 0 GROUP BY key
),
buckets AS (
  SELECT key, CASE {_BUCKET} END AS bucket, count(*) AS n FROM recent
  WHERE type = 'play_start' GROUP BY ALL
),
tod AS (
  SELECT key, first(bucket ORDER BY n DESC, CASE bucket {_ORDER} END) AS preferred_time_of_day
  FROM buckets GROUP BY key
),
langs AS (
  SELECT key, map_from_entries(list((language, n / total) ORDER BY language)) AS languages
  FROM (SELECT *, sum(n) OVER (PARTITION BY key) AS total FROM (
        SELECT key, l.language, count(*) AS n FROM recent r
        JOIN (SELECT title_id, unnest(languages) AS language FROM titles_in) l USING (title_id)
        WHERE r.type = 'play_start' GROUP BY ALL))
  GROUP BY key
),
devices AS (
  SELECT key, map_from_entries(list((device, n / total) ORDER BY device)) AS device_mix
  FROM (SELECT *, sum(n) OVER (PARTITION BY key) AS total FROM (
        SELECT key, device, count(*) AS n FROM recent
        WHERE type = 'play_start' AND device IS NOT NULL
          AND t > a - {_window("device_mix")} GROUP BY ALL))
  GROUP BY key
)
SELECT sp.key, sp.profile_id, a.genre_affinity, w.completion_rate_median,
  coalesce(w.watch_hours_30d, 0.0) AS watch_hours_30d,
  coalesce(w.watch_hours_90d, 0.0) AS watch_hours_90d,
  coalesce(w.watch_hours_365d, 0.0) AS watch_hours_365d,
  tod.preferred_time_of_day, l.languages, dv.device_mix
FROM sp LEFT JOIN watch w USING (key) LEFT JOIN affinity a USING (key)
LEFT JOIN tod USING (key) LEFT JOIN langs l USING (key) LEFT JOIN devices dv USING (key)
ORDER BY sp.key
"""

_HALF_LIFE_US = _us(d.TREND_HALF_LIFE)

_ITEMS = f"""
WITH sp AS (SELECT key, title_id, epoch_us(as_of) AS a FROM spine),
plays AS ({_PLAYS.format(entity="title_id", span=_window("completion_rate"))}),
done AS (SELECT key, avg(completion) AS completion_rate FROM plays GROUP BY key),
recent AS (
  SELECT sp.key, sp.a, e.* FROM sp JOIN ev e ON e.title_id = sp.title_id
   AND e.t <= sp.a AND e.t > sp.a - {_window("thumbs_ratio")}
),
counts AS (
  SELECT key,
    count(*) FILTER (WHERE type = 'play_start' AND t > a - {_window("plays_30d")}) AS plays_30d,
    count(*) FILTER (WHERE type = 'thumbs_up') AS ups,
    count(*) FILTER (WHERE type = 'thumbs_down') AS downs
  FROM recent GROUP BY key
),
by_country AS (
  SELECT key, map_from_entries(list((country, n) ORDER BY country)) AS popularity,
         map_from_entries(list((country, trend) ORDER BY country)) AS trend
  FROM (SELECT key, country, count(*) AS n,
               sum(pow(2.0, -(a - t) / {_HALF_LIFE_US})) AS trend
        FROM recent WHERE type = 'play_start' AND country IS NOT NULL
          AND t > a - {_window("popularity")} GROUP BY ALL)
  GROUP BY key
)
SELECT sp.key, sp.title_id, coalesce(c.plays_30d, 0) AS plays_30d, dn.completion_rate,
  CASE WHEN c.ups + c.downs > 0 THEN c.ups / (c.ups + c.downs) END AS thumbs_ratio,
  b.popularity, b.trend
FROM sp LEFT JOIN counts c USING (key) LEFT JOIN done dn USING (key)
LEFT JOIN by_country b USING (key)
ORDER BY sp.key
"""

_COUNTRIES = """
WITH sp AS (SELECT key, profile_id, epoch_us(as_of) AS a FROM spine)
SELECT sp.key, c.country
FROM sp ASOF LEFT JOIN (SELECT profile_id, t, country FROM ev WHERE country IS NOT NULL) c
  ON sp.profile_id = c.profile_id AND sp.a >= c.t
ORDER BY sp.key
"""


class OfflineFeatures:
    """Feature computation over one events table (the lake's schema, ``frames.EVENTS_SCHEMA``)
    and one titles table (``frames.TITLES_SCHEMA``)."""

    def __init__(self, events: pa.Table, titles: pa.Table) -> None:
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.register("events_in", events)
        self._con.register("titles_in", titles)
        self._con.execute(_EVENTS)
        self._con.execute(_SESSIONS)

    def close(self) -> None:
        self._con.close()

    def realtime(self, spine: pa.Table) -> pa.Table:
        """``definitions.REALTIME`` per spine row (key, profile_id, as_of)."""
        return self._run(_REALTIME, spine)

    def profiles(self, spine: pa.Table) -> pa.Table:
        """``definitions.PROFILE_BATCH`` per spine row (key, profile_id, as_of)."""
        return self._run(_PROFILES, spine)

    def items(self, spine: pa.Table) -> pa.Table:
        """``definitions.ITEM_BATCH`` per spine row (key, title_id, as_of)."""
        return self._run(_ITEMS, spine)

    def countries(self, spine: pa.Table) -> pa.Table:
        """The country of each spine row's profile: that of its latest event at or before
        ``as_of`` that names one (an as-of join)."""
        return self._run(_COUNTRIES, spine)

    def entities(self, column: str, as_of: datetime) -> pa.Table:
        """A spine of every profile or title with events up to ``as_of``, all at ``as_of``."""
        if column not in ("profile_id", "title_id"):
            raise ValueError(f"no entity column {column!r}")
        ids = self._con.execute(
            f"SELECT DISTINCT {column} FROM ev WHERE {column} IS NOT NULL"
            f" AND t <= epoch_us($1::TIMESTAMPTZ) ORDER BY 1",
            [as_of],
        ).fetchall()
        return spine_of(column, [row[0] for row in ids], as_of)

    def _run(self, sql: str, spine: pa.Table) -> pa.Table:
        self._con.register("spine", spine)
        try:
            return self._con.sql(sql).to_arrow_table()
        finally:
            self._con.unregister("spine")


def spine_of(column: str, ids: list[int], as_of: datetime) -> pa.Table:
    """A spine with keys 0..n-1, one row per id, every row at ``as_of``."""
    return pa.table(
        {
            "key": pa.array(range(len(ids)), pa.int64()),
            column: pa.array(ids, pa.int64()),
            "as_of": pa.array([as_of] * len(ids), _TS),
        }
    )


def rows(table: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows as JSON-ready dicts: DuckDB maps (lists of pairs) become dicts."""
    out: list[dict[str, Any]] = table.to_pylist()
    for row in out:
        for name, value in row.items():
            if isinstance(value, list) and value and isinstance(value[0], tuple):
                row[name] = dict(value)
    return out
