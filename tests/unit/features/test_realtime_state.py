"""The real-time state: idempotent, order-independent merging; sessions by event time."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from marquee.domain.events import Event
from marquee.features.catalog import FixedTitleCatalog
from marquee.features.realtime import ProfileState, evaluate, observe, to_us
from tests.features_sample import GENRES, START, event, history

CATALOG = FixedTitleCatalog(GENRES)


def state_of(events: list[Event]) -> ProfileState:
    state = ProfileState()
    for e in events:
        state.add(observe(json.loads(e.to_json())))
    return state


def test_replaying_and_reordering_events_gives_the_same_state() -> None:
    events = [e for e in history(7, profiles=1) if e.profile_id == 1]
    once = state_of(events)
    shuffled = events * 2
    random.Random(3).shuffle(shuffled)
    again = state_of(shuffled)
    assert again.sessions == once.sessions
    assert again.records == once.records
    assert evaluate(again, CATALOG.genres) == evaluate(once, CATALOG.genres)


def test_a_gap_over_30_minutes_starts_a_new_session() -> None:
    state = state_of([
        event("play_start", 1, START, title=1),
        event("play_start", 1, START + timedelta(minutes=31), title=3),
    ])  # fmt: skip
    values = evaluate(state, CATALOG.genres)
    assert len(state.sessions) == 2
    assert values["session_genres"] == ["action"]
    assert values["session_length_s"] == 0.0


def test_a_late_event_bridges_the_two_sessions_it_falls_between() -> None:
    state = state_of([
        event("play_start", 1, START, title=1),
        event("play_start", 1, START + timedelta(minutes=50), title=3),
        event("heartbeat", 1, START + timedelta(minutes=25), title=1, position_s=60.0),
    ])  # fmt: skip
    values = evaluate(state, CATALOG.genres)
    assert state.sessions == [[to_us(START), to_us(START + timedelta(minutes=50))]]
    assert values["session_genres"] == ["action", "drama"]
    assert values["session_length_s"] == 3000.0


def test_a_session_closes_30_minutes_after_its_last_event() -> None:
    state = state_of([event("play_start", 1, START, title=2)])
    later = to_us(START + timedelta(minutes=31))
    assert evaluate(state, CATALOG.genres)["session_genres"] == ["comedy", "drama"]
    assert evaluate(state, CATALOG.genres, later)["session_genres"] == []


def test_events_beyond_the_allowed_lateness_are_ignored() -> None:
    state = state_of([event("play_start", 1, START, title=1)])
    late = event("play_start", 1, START - timedelta(hours=25), title=3)
    assert not state.add(observe(json.loads(late.to_json())))
    assert evaluate(state, CATALOG.genres)["plays_today"] == 1


def test_abandoned_plays_count_early_stops_and_skips_within_the_hour() -> None:
    state = state_of([
        event("stop", 1, START, title=1, position_s=100.0, duration_s=1000.0),
        event("stop", 1, START + timedelta(minutes=1), title=1, position_s=950.0,
              duration_s=1000.0),
        event("skip", 1, START + timedelta(minutes=2), title=2),
    ])  # fmt: skip
    assert evaluate(state, CATALOG.genres)["abandoned_plays_1h"] == 2
    in_two_hours = to_us(START + timedelta(hours=2))
    assert evaluate(state, CATALOG.genres, in_two_hours)["abandoned_plays_1h"] == 0


def test_encoding_round_trips() -> None:
    state = state_of(history(2, profiles=1))
    decoded = ProfileState.decode(state.encode())
    assert decoded.sessions == state.sessions
    assert decoded.records == state.records
