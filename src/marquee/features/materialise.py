"""The batch feature job: compute every profile's and item's features as of one time and
publish them to the online store as a new version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa

from marquee.features.definitions import ITEM_BATCH, PROFILE_BATCH
from marquee.features.offline import OfflineFeatures, rows
from marquee.features.online import OnlineFeatures

# The widest window any batch feature reads: the job scans no further back.
LOOKBACK = max(f.window.length for f in PROFILE_BATCH + ITEM_BATCH)
# Columns the computation reads, so the lake scan can skip the rest.
COLUMNS = (
    "event_id", "type", "profile_id", "session_id", "title_id", "episode_id", "position_s",
    "duration_s", "device", "country", "value", "client_time", "server_time",
)  # fmt: skip
_CHUNK = 5000

# (stage, done, total): how far the job is, for a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BatchResult:
    version: str
    events: int
    profiles: int
    items: int
    keys: int


def version_of(as_of: datetime) -> str:
    """A run as of the same time gets the same version: reruns overwrite, never duplicate."""
    return as_of.strftime("%Y%m%dT%H%M%S")


def _quiet(stage: str, done: int, total: int) -> None:
    del stage, done, total


def materialise(
    events: pa.Table,
    titles: pa.Table,
    online: OnlineFeatures,
    *,
    as_of: datetime,
    progress: Progress = _quiet,
) -> BatchResult:
    """Compute ``PROFILE_BATCH`` and ``ITEM_BATCH`` as of ``as_of`` over ``events`` (the lake's
    schema) and publish them; readers switch to the new version only at the end."""
    offline = OfflineFeatures(events, titles)
    version = version_of(as_of)
    try:
        profiles = _compute(offline, "profile_id", as_of, progress)
        items = _compute(offline, "title_id", as_of, progress)
    finally:
        offline.close()
    progress("write", 0, 1)
    keys = online.write_batch(version, profiles=profiles, items=items)
    online.publish_batch(version)
    progress("write", 1, 1)
    return BatchResult(version, events.num_rows, len(profiles), len(items), keys)


def _compute(
    offline: OfflineFeatures, column: str, as_of: datetime, progress: Progress
) -> dict[int, dict[str, object]]:
    spine = offline.entities(column, as_of)
    run = offline.profiles if column == "profile_id" else offline.items
    stage = "profiles" if column == "profile_id" else "items"
    values: dict[int, dict[str, object]] = {}
    progress(stage, 0, spine.num_rows)
    for start in range(0, spine.num_rows, _CHUNK):
        for row in rows(run(spine.slice(start, _CHUNK))):
            entity = int(row.pop(column))
            row.pop("key")
            values[entity] = row
        progress(stage, min(start + _CHUNK, spine.num_rows), spine.num_rows)
    return values


def lookback_start(as_of: datetime) -> datetime:
    """The earliest event time the job needs (one microsecond of slack for the open bound)."""
    return as_of - LOOKBACK - timedelta(microseconds=1)
