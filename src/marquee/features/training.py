"""Point-in-time training sets: each label gets the features as they were just before it.

A label ``(profile_id, title_id, ts)`` sees only events with event time strictly before ``ts``
(the label's own event must not describe itself). The features come from the same SQL the
batch job materialises with (``offline.py``), run with the label's time as ``as_of``; the
profile's country is found with an as-of join, and picks the item's popularity and trend there.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from marquee.features.definitions import ITEM_BATCH, PROFILE_BATCH, REALTIME
from marquee.features.offline import OfflineFeatures

LABEL_COLUMNS = ("profile_id", "title_id", "ts")
_BEFORE = timedelta(microseconds=1)


def _check(labels: pa.Table) -> None:
    missing = [name for name in LABEL_COLUMNS if name not in labels.column_names]
    if missing:
        raise ValueError(f"labels: missing column(s) {', '.join(missing)}")
    if not pa.types.is_timestamp(labels.schema.field("ts").type):
        raise ValueError("labels: ts must be a timestamp column")


def _spine(labels: pa.Table, entity: str) -> pa.Table:
    as_of = pc.subtract(labels["ts"].cast(pa.timestamp("us", tz="UTC")), pa.scalar(_BEFORE))
    return pa.table(
        {
            "key": pa.array(range(labels.num_rows), pa.int64()),
            entity: labels[entity].cast(pa.int64()),
            "as_of": as_of,
        }
    )


def _select_list() -> str:
    profile = [f.name for f in REALTIME + PROFILE_BATCH]
    item = [f.name for f in ITEM_BATCH if f.name not in ("popularity", "trend")]
    columns = [f"p.{name}" for name in profile]
    columns += [f"i.{name} AS item_{name}" for name in item]
    columns += [
        "c.country",
        "coalesce(i.popularity[c.country], 0) AS item_popularity",
        "coalesce(i.trend[c.country], 0.0) AS item_trend",
    ]
    return ", ".join(columns)


def training_set(offline: OfflineFeatures, labels: pa.Table) -> pa.Table:
    """``labels`` (``profile_id``, ``title_id``, ``ts`` and any label columns) with every
    feature as of just before ``ts``, in the labels' order."""
    _check(labels)
    profiles = _spine(labels, "profile_id")
    realtime = offline.realtime(profiles)
    batch = offline.profiles(profiles)
    items = offline.items(_spine(labels, "title_id"))
    countries = offline.countries(profiles)
    keyed = labels.append_column("key", pa.array(range(labels.num_rows), pa.int64()))
    con = duckdb.connect()
    try:
        for name, table in (("l", keyed), ("rt", realtime), ("pb", batch), ("it", items)):
            con.register(name, table)
        con.register("co", countries)
        return con.sql(
            f"""
            WITH p AS (SELECT * FROM rt JOIN pb USING (key, profile_id))
            SELECT l.* EXCLUDE (key), {_select_list()}
            FROM l JOIN p USING (key) JOIN it i USING (key) JOIN co c USING (key)
            ORDER BY l.key
            """
        ).to_arrow_table()
    finally:
        con.close()
