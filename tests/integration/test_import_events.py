"""Importers publish their history as events through the ingestion path, into the lake."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from marquee.bootstrap import Container
from marquee.services.imports import import_movielens, import_synthetic
from marquee.services.imports.events import ARCHIVE_BATCH, row_events, thumb_for
from marquee.storage.lake import TimeTravel


def test_thumbs_follow_the_documented_rating_thresholds() -> None:
    assert [thumb_for(s) for s in (0.5, 2.0, 2.5, 3.5, 4.0, 5.0)] == [
        "thumbs_down",
        "thumbs_down",
        None,
        None,
        "thumbs_up",
        "thumbs_up",
    ]


def test_a_play_becomes_a_start_and_an_end_at_the_watched_position() -> None:
    at = datetime(2020, 5, 1, 20, tzinfo=UTC)
    row = {"profile_id": 3, "title_id": 9, "kind": "play", "value": 0.5, "occurred_at": at}
    start, stop = row_events({**row, "source": "synthetic"}, {9: 100.0})
    assert (start.type, start.client_time, start.duration_s) == ("play_start", at, 6000.0)
    assert (stop.type, stop.position_s) == ("stop", 3000.0)
    assert (stop.client_time - at).total_seconds() == 3000.0
    finished = row_events({**row, "value": 0.95, "source": "synthetic"}, {9: 100.0})
    assert finished[1].type == "complete"


@pytest.mark.slow
# One stack is enough here: both event logs and catalogs have their own contract suites, and
# 172,855 events per run are the slowest part of this file.
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_ml_100k_ratings_become_100000_rate_events_once(
    container: Container, shared_data: Path
) -> None:
    path = shared_data / "movielens" / "ml-100k"
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    now = container.clock()
    report = import_movielens(container.db, path, now=now, events=container.events)
    archived = container.archiver.drain(batch=ARCHIVE_BATCH)
    assert archived.added == report.events
    counts = Counter(container.lake.query("SELECT type FROM events").column("type").to_pylist())
    assert counts["rate"] == 100_000
    stars = container.lake.query("SELECT value FROM events WHERE type = 'rate'")
    by_star = Counter(stars.column("value").to_pylist())
    assert counts["thumbs_up"] == by_star[4.0] + by_star[5.0]
    assert counts["thumbs_down"] == by_star[1.0] + by_star[2.0]
    first = container.lake.query("SELECT min(client_time) AS t FROM events").column("t")[0]
    assert first.as_py().year == 1997  # original timestamps, not the import time
    snapshots = len(container.lake.snapshots())

    again = import_movielens(container.db, path, now=now, events=container.events)
    assert again.events == 0
    assert container.archiver.drain(batch=ARCHIVE_BATCH).added == 0
    assert len(container.lake.snapshots()) == snapshots
    assert container.lake.scan(version=TimeTravel()).num_rows == sum(counts.values())


def test_the_synthetic_history_lands_in_the_lake_and_a_rerun_adds_nothing(
    container: Container,
) -> None:
    day = datetime(2026, 1, 1, tzinfo=UTC)
    args = {"profiles": 12, "titles": 30, "seed": 3, "reference": day, "now": day}
    report = import_synthetic(container.db, events=container.events, **args)  # type: ignore[arg-type]
    assert report.events > report.interactions > 0
    assert container.archiver.drain(batch=ARCHIVE_BATCH).added == report.events
    types = set(container.lake.query("SELECT DISTINCT type FROM events").column("type").to_pylist())
    assert {"play_start", "complete", "stop"} <= types
    again = import_synthetic(container.db, events=container.events, **args)  # type: ignore[arg-type]
    assert (again.events, again.interactions) == (0, 0)
    assert container.archiver.drain(batch=ARCHIVE_BATCH).read == 0
