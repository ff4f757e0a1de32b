"""One schema for the lake's ``events`` table: stored envelopes and feature frames agree."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from marquee.domain.events import Event
from marquee.features.frames import EVENTS_SCHEMA, events_to_arrow
from marquee.storage.lake import EVENTS_ARROW, envelopes_to_table

AT = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)


def sample() -> list[Event]:
    return [
        Event(
            event_id="ev-00000001",
            type="impression",
            profile_id=3,
            session_id="s-1",
            item={"title_id": 9, "episode_id": 4},
            client_time=AT,
            server_time=AT,
            row="top-picks",
            position=2,
            experiments={"home": "b"},
            context={"page": "/"},
        ),
        Event(
            event_id="ev-00000002",
            type="search",
            profile_id=3,
            session_id="s-1",
            client_time=AT,
            server_time=AT,
            query="heat",
            results=4,
        ),
    ]


def test_the_features_frames_use_the_lakes_schema() -> None:
    assert EVENTS_SCHEMA.equals(EVENTS_ARROW)


def test_stored_envelopes_and_feature_frames_give_the_same_rows() -> None:
    events = sample()
    stored = envelopes_to_table(json.loads(e.to_json()) for e in events)
    assert stored.schema.equals(EVENTS_ARROW)
    assert stored.to_pylist() == events_to_arrow(events).to_pylist()


def test_the_day_is_the_utc_date_of_the_client_time() -> None:
    late = {**json.loads(sample()[1].to_json()), "client_time": "2026-03-10T23:30:00-05:00"}
    assert envelopes_to_table([late]).column("day").to_pylist() == [date(2026, 3, 11)]


def test_an_unknown_envelope_field_becomes_an_extra_column() -> None:
    raw = {**json.loads(sample()[1].to_json()), "network": {"kind": "wifi"}, "empty": None}
    table = envelopes_to_table([raw])
    assert table.column_names[-1] == "network"
    assert table.column("network").to_pylist() == ['{"kind": "wifi"}']
