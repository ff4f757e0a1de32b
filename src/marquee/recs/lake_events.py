"""Flat lake events (``storage/lake/schema.py``'s columns) → the event kinds of ``recs/data.py``.

* Playback (``play_start``, ``heartbeat``, ``pause``, ``resume``, ``seek``, ``complete``,
  ``stop``) is grouped per (profile, title, episode, session) into one ``play`` with completion =
  the furthest ``position_s / duration_s`` reached (``complete`` counts as 1). A session whose
  completion cannot be known (no duration anywhere, no ``complete``) is dropped, not guessed.
* ``rate`` (``value`` stars), ``thumbs_up`` and ``thumbs_down`` keep their kind.
* ``add_to_list`` becomes ``list`` (a weak positive, see ``data.LIST_CONFIDENCE``).
* Every other type (impressions, searches, clicks, skips, list removals) carries no verdict on a
  title and is ignored.

The time of an event is its ``client_time`` (when it happened), ``server_time`` where absent.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from marquee.recs.errors import InvalidDataError

PLAYBACK = frozenset({"play_start", "heartbeat", "pause", "resume", "seek", "complete", "stop"})
VERDICTS = {"rate": "rate", "thumbs_up": "thumbs_up", "thumbs_down": "thumbs_down"}
LIST_TYPES = {"add_to_list": "list"}
REQUIRED = ("type", "profile_id", "title_id")
OPTIONAL = ("event_id", "session_id", "episode_id", "position_s", "duration_s", "value")
TIMES = ("client_time", "server_time")


def as_frame(table: Any) -> pd.DataFrame:
    """A pandas frame of the lake columns from a pyarrow Table or a DataFrame."""
    if isinstance(table, pd.DataFrame):
        frame = table
    elif hasattr(table, "to_pandas") and hasattr(table, "column_names"):
        wanted = [c for c in (*REQUIRED, *OPTIONAL, *TIMES) if c in table.column_names]
        frame = table.select(wanted).to_pandas()
    else:
        raise InvalidDataError("events", "expected a pyarrow Table or a pandas DataFrame")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if not any(t in frame.columns for t in TIMES):
        missing.append("client_time")
    if missing:
        raise InvalidDataError("events", f"missing columns {', '.join(missing)}")
    out = frame[[c for c in (*REQUIRED, *OPTIONAL) if c in frame.columns]].copy()
    for column in OPTIONAL:
        if column not in out.columns:
            out[column] = np.nan if column not in ("event_id", "session_id") else ""
    out["timestamp"] = _seconds(frame)
    return out


def _seconds(frame: pd.DataFrame) -> pd.Series:
    """Seconds since the epoch of ``client_time`` (else ``server_time``)."""
    times = [_to_seconds(frame[c]) for c in TIMES if c in frame.columns]
    merged = times[0]
    for other in times[1:]:
        merged = merged.fillna(other)
    return merged.fillna(0).astype(np.int64)


def _to_seconds(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    stamps = pd.to_datetime(column, utc=True)
    epoch = pd.Timestamp(0, tz="UTC")
    return ((stamps - epoch) / pd.Timedelta(seconds=1)).astype("float64")


def to_event_kinds(frame: pd.DataFrame) -> pd.DataFrame:
    """``user_id, item_id, kind, value, timestamp`` rows for ``data.from_events``."""
    frame = frame[frame["title_id"].notna()]
    plays = _plays(frame[frame["type"].isin(PLAYBACK)])
    kinds = {**VERDICTS, **LIST_TYPES}
    other = frame[frame["type"].isin(kinds)]
    verdicts = pd.DataFrame(
        {
            "user_id": other["profile_id"].astype(np.int64),
            "item_id": other["title_id"].astype(np.int64),
            "kind": other["type"].map(kinds),
            "value": other["value"].astype("float64"),
            "timestamp": other["timestamp"],
        }
    )
    return pd.concat([plays, verdicts], ignore_index=True)


def _plays(frame: pd.DataFrame) -> pd.DataFrame:
    duration = frame["duration_s"].astype("float64")
    completion = (frame["position_s"].astype("float64") / duration.where(duration > 0)).clip(0, 1)
    completion = completion.where(frame["type"] != "complete", 1.0)
    keyed = frame.assign(
        completion=completion,
        episode=frame["episode_id"].fillna(-1).astype(np.int64),
        session=frame["session_id"].fillna("").astype(str),
    )
    groups = keyed.groupby(["profile_id", "title_id", "episode", "session"], sort=True)
    per = groups.agg(value=("completion", "max"), timestamp=("timestamp", "max")).reset_index()
    per = per[per["value"].notna()]
    return pd.DataFrame(
        {
            "user_id": per["profile_id"].astype(np.int64),
            "item_id": per["title_id"].astype(np.int64),
            "kind": "play",
            "value": per["value"].astype("float64"),
            "timestamp": per["timestamp"].astype(np.int64),
        }
    )


def input_digest(frame: pd.DataFrame, *settings: object) -> str:
    """A hash of the input rows (in any order) and the mapping settings: the snapshot's id."""
    text = ["type", "event_id", "session_id"]
    numbers = [c for c in (*REQUIRED, *OPTIONAL, "timestamp") if c not in text]
    canonical = frame[text].astype(str).join(frame[numbers].astype("float64"))
    rows = np.sort(pd.util.hash_pandas_object(canonical, index=False).to_numpy(np.uint64))
    digest = hashlib.sha256(rows.tobytes())
    digest.update(repr(settings).encode())
    return digest.hexdigest()[:16]
