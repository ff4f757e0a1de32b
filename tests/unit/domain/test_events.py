"""The event envelope's rules and the clickstream mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from marquee.domain.events import (
    Event,
    EventType,
    clickstream_to_envelopes,
    is_clickstream,
    parse_event,
    parse_events,
)
from marquee.errors import FieldProblem

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def raw(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "3f2b9c1e-6a1d-4e59-8c1b-7d7e0f7f4a10",
        "type": "play_start",
        "profile_id": 7,
        "session_id": "s-1",
        "item": {"title_id": 42},
        "client_time": "2026-01-01T11:59:00Z",
    }
    return base | overrides


def problems(result: Event | list[FieldProblem]) -> dict[str, str]:
    assert isinstance(result, list), result
    return {p.field: p.reason for p in result}


def test_a_valid_event_is_stamped_with_server_time() -> None:
    event = parse_event(raw(), prefix="body.events.0", now=NOW)
    assert isinstance(event, Event)
    assert event.server_time == NOW
    assert event.schema_version == 1
    assert event.type is EventType.PLAY_START


def test_a_client_cannot_choose_server_time() -> None:
    event = parse_event(raw(server_time="2020-01-01T00:00:00Z"), prefix="e", now=NOW)
    assert isinstance(event, Event)
    assert event.server_time == NOW


def test_unknown_types_are_rejected_naming_the_field() -> None:
    assert "body.events.3.type" in problems(
        parse_event(raw(type="teleport"), prefix="body.events.3", now=NOW)
    )


def test_client_time_a_day_ahead_is_rejected_with_a_reason() -> None:
    ahead = (NOW + timedelta(hours=25)).isoformat()
    assert problems(parse_event(raw(client_time=ahead), prefix="e", now=NOW)) == {
        "e.client_time": "more than 24 hours in the future"
    }


def test_client_time_over_a_year_old_is_rejected_with_a_reason() -> None:
    old = (NOW - timedelta(days=366)).isoformat()
    assert problems(parse_event(raw(client_time=old), prefix="e", now=NOW)) == {
        "e.client_time": "more than 365 days in the past"
    }


def test_an_hour_late_event_is_accepted() -> None:
    late = (NOW - timedelta(hours=1)).isoformat()
    assert isinstance(parse_event(raw(client_time=late), prefix="e", now=NOW), Event)


def test_a_rating_needs_a_value_between_half_and_five() -> None:
    assert "e.value" in problems(parse_event(raw(type="rate"), prefix="e", now=NOW))
    assert "e.value" in problems(parse_event(raw(type="rate", value=5.5), prefix="e", now=NOW))
    assert isinstance(parse_event(raw(type="rate", value=4.5), prefix="e", now=NOW), Event)


def test_an_impression_needs_its_row_and_position() -> None:
    assert "e.row" in problems(parse_event(raw(type="impression"), prefix="e", now=NOW))
    ok = parse_event(raw(type="impression", row="trending", position=3), prefix="e", now=NOW)
    assert isinstance(ok, Event)


def test_a_search_needs_no_item_but_a_query() -> None:
    assert "e.query" in problems(parse_event(raw(type="search", item=None), prefix="e", now=NOW))
    ok = parse_event(raw(type="search", item=None, query="noir", results=12), prefix="e", now=NOW)
    assert isinstance(ok, Event)


def test_a_seek_needs_from_and_to() -> None:
    assert "e.from_s" in problems(parse_event(raw(type="seek"), prefix="e", now=NOW))


def test_a_play_needs_an_item() -> None:
    assert "e.item" in problems(parse_event(raw(item=None), prefix="e", now=NOW))


def test_short_event_ids_and_oversized_context_are_rejected() -> None:
    assert "e.event_id" in problems(parse_event(raw(event_id="abc"), prefix="e", now=NOW))
    big = {"blob": "x" * 5000}
    assert "e.context" in problems(parse_event(raw(context=big), prefix="e", now=NOW))


def test_non_objects_get_an_error_not_a_crash() -> None:
    assert problems(parse_event(["not", "an", "event"], prefix="e", now=NOW))


def test_the_stored_form_is_compact_json() -> None:
    event = parse_event(raw(), prefix="e", now=NOW)
    assert isinstance(event, Event)
    stored = json.loads(event.to_json())
    assert stored["event_id"] == event.event_id
    assert "value" not in stored


CLICKS: dict[str, Any] = {
    "userId": 7,
    "sessionId": "web-1",
    "events": [
        {
            "eventType": "Click",
            "page": "/browse",
            "timeSpentSeconds": 12,
            "timestamp": 1767268740000,
        },
        {
            "eventType": "play-start",
            "titleId": 42,
            "timestamp": "2026-01-01T11:59:30Z",
            "button": "hero",
        },
        {"eventType": "hover", "timestamp": "2026-01-01T11:59:30Z"},
    ],
}


def test_clickstream_batches_map_to_envelopes() -> None:
    assert is_clickstream(CLICKS)
    assert not is_clickstream({"events": []})
    first, second, third = (
        parse_event(e, prefix=f"e.{i}", now=NOW)
        for i, e in enumerate(clickstream_to_envelopes(CLICKS))
    )
    assert isinstance(first, Event)
    assert isinstance(second, Event)
    assert first.type is EventType.CLICK
    assert first.profile_id == 7
    assert first.session_id == "web-1"
    assert first.duration_s == 12
    assert first.context == {"page": "/browse"}
    assert first.client_time == datetime(2026, 1, 1, 11, 59, tzinfo=UTC)
    assert second.type is EventType.PLAY_START
    assert second.item is not None
    assert second.item.title_id == 42
    assert second.context == {"button": "hero"}
    assert "e.2.type" in problems(third)


def test_a_resent_clickstream_batch_gets_the_same_event_ids() -> None:
    ids = [e["event_id"] for e in clickstream_to_envelopes(CLICKS)]
    assert ids == [e["event_id"] for e in clickstream_to_envelopes(CLICKS)]
    assert len(set(ids)) == 3


def test_a_batch_keeps_its_valid_events_and_names_each_bad_one_by_index() -> None:
    batch: list[object] = [
        raw(event_id="good-event-0001"),
        raw(type="teleport"),
        raw(event_id="good-event-0002", server_time="2020-01-01T00:00:00Z"),
        raw(type="rate"),
        "not an event",
        raw(client_time="2027-06-01T00:00:00Z"),
    ]
    valid, problems_ = parse_events(batch, now=NOW)
    assert [(i, e.event_id, e.server_time) for i, e in valid] == [
        (0, "good-event-0001", NOW),
        (2, "good-event-0002", NOW),
    ]
    assert [(i, p.field) for i, p in problems_] == [
        (1, "type"),
        (3, "value"),
        (4, "event"),
        (5, "client_time"),
    ]
    assert problems_[3][1].reason == "more than 24 hours in the future"


def test_a_valid_batch_is_stamped_and_kept_in_order() -> None:
    batch = [raw(event_id=f"event-{n:08d}") for n in range(3)]
    valid, problems_ = parse_events(batch, now=NOW)
    assert problems_ == []
    assert [(i, e.event_id, e.server_time) for i, e in valid] == [
        (n, f"event-{n:08d}", NOW) for n in range(3)
    ]


def test_events_built_in_process_keep_their_server_time() -> None:
    event = Event.model_validate(raw(server_time="2025-12-31T00:00:00Z"))
    assert event.server_time == datetime(2025, 12, 31, tzinfo=UTC)
    assert Event.model_validate(raw()).server_time is None
