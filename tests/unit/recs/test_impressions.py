"""Impression records (one per row) written from a byte template are exactly the ``Event``
envelope, and the logging queue drops pages (counted) instead of making a request wait."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from marquee.domain.events import Event, EventType, impression_titles
from marquee.recs.impressions import (
    TITLES_PER_RECORD,
    ImpressionLog,
    PageShown,
    impression_records,
)
from marquee.storage.eventlog import LogRecord

SHOWN = PageShown(
    profile_id=42,
    session_id='tab "2" {x} ñ',
    experiments={"home-ranker": "treatment"},
    level="precomputed",
    model_version=None,
    config="diverse",
    rows=[("continue-watching", [7]), ('genre-{sci}"fi', [3, 9, 11])],
)


@pytest.mark.parametrize(
    "now", [datetime(2026, 11, 21, 5, 0, tzinfo=UTC), datetime(2026, 11, 21, 5, 0, 1, 250, UTC)]
)
def test_each_record_is_the_event_envelope_byte_for_byte(now: datetime) -> None:
    records = impression_records(SHOWN, now)
    assert len(records) == 2  # one per row
    for record, (row, titles) in zip(records, SHOWN.rows, strict=True):
        event = Event.model_validate_json(record.payload)
        assert event.to_json() == record.payload
        assert (event.type, event.row, event.position) == (EventType.IMPRESSION, row, 0)
        assert event.item is not None
        assert event.item.title_id == titles[0]
        assert impression_titles(event.item.title_id, event.context) == list(titles)
        assert event.experiments == {"home-ranker": "treatment"}
        assert event.context == {
            "level": "precomputed",
            "model_version": None,
            "config": "diverse",
            "titles": list(titles),
        }
        assert (event.event_id, event.profile_id) == (record.event_id, record.profile_id)
        assert event.client_time == now


def test_a_long_row_is_split_into_valid_records_that_keep_every_title_in_order() -> None:
    titles = list(range(9_999_001, 9_999_001 + 2 * TITLES_PER_RECORD + 7))  # 7-digit ids
    shown = replace(SHOWN, rows=[("top-picks", titles)], model_version="v" * 64)
    records = impression_records(shown, datetime.now(UTC))
    events = [Event.model_validate_json(r.payload) for r in records]  # context under 4 KiB
    assert [e.position for e in events] == [0, TITLES_PER_RECORD, 2 * TITLES_PER_RECORD]
    shown_again = [t for e in events for t in impression_titles(None, e.context)]
    assert shown_again == titles


def test_a_clients_own_impression_shows_its_one_title() -> None:
    assert impression_titles(5, {}) == [5]
    assert impression_titles(5, {"titles": "not a list"}) == [5]
    assert impression_titles(None, {}) == []


def test_event_ids_are_unique_across_pages() -> None:
    now = datetime.now(UTC)
    ids = [r.event_id for _ in range(20) for r in impression_records(SHOWN, now)]
    assert len(set(ids)) == len(ids)


class _SlowLog:
    """An event log that blocks until released, like a stalled Redis."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.appended: list[LogRecord] = []

    def append(self, records: Sequence[LogRecord]) -> int:
        self.release.wait(timeout=10)
        self.appended.extend(records)
        return len(records)


def test_a_full_queue_drops_and_counts_pages_instead_of_waiting() -> None:
    event_log = _SlowLog()
    impressions = ImpressionLog(event_log, max_queued=3)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    accepted = [impressions.submit(lambda: impression_records(SHOWN, now)) for _ in range(10)]
    # At most 3 waiting plus one batch (itself at most 3) taken by the stalled logging thread.
    assert accepted.count(False) == impressions.dropped >= 4
    event_log.release.set()
    impressions.close()
    assert len(event_log.appended) == 2 * accepted.count(True)
