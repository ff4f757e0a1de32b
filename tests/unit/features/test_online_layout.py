"""The online store layout of the real-time features: one key per profile holds the features and
the state; values of the older two-key layout are still read."""

from __future__ import annotations

import json
from datetime import timedelta

import orjson

from marquee.domain.events import Event
from marquee.features.catalog import FixedTitleCatalog
from marquee.features.online import OnlineFeatures, realtime_key, state_key
from marquee.features.realtime import ProfileState, evaluate, observe
from marquee.storage.kv.memory import MemoryStore
from tests.features_sample import GENRES, START, event

CATALOG = FixedTitleCatalog(GENRES)


def merged(events: list[Event], state: ProfileState | None = None) -> ProfileState:
    state = state or ProfileState()
    for e in events:
        state.add(observe(json.loads(e.to_json())))
    return state


def test_the_features_and_their_state_are_written_to_one_key() -> None:
    kv = MemoryStore()
    features = OnlineFeatures(kv, CATALOG)
    state = merged([event("play_start", 4, START, title=3)])
    features.save_states({4: state})
    assert kv.get(state_key(4)) is None
    assert features.realtime(4)["plays_today"] == 1
    assert features.realtime(4)["session_genres"] == ["action"]
    reloaded = features.load_states([4])[4]
    assert reloaded.sessions == state.sessions
    assert reloaded.records == state.records


def test_reading_as_of_a_later_time_closes_the_session_from_the_stored_state() -> None:
    features = OnlineFeatures(MemoryStore(), CATALOG)
    features.save_states({4: merged([event("play_start", 4, START, title=3)])})
    later = features.realtime(4, at=START + timedelta(minutes=45))
    assert later["session_genres"] == []
    assert features.realtime(4)["session_genres"] == ["action"]


def test_a_profile_never_seen_reads_empty_features_and_state() -> None:
    features = OnlineFeatures(MemoryStore(), CATALOG)
    assert features.realtime(9)["plays_today"] == 0
    assert features.load_states([9])[9].sessions == []


def test_values_of_the_two_key_layout_are_read_and_carried_forward() -> None:
    kv = MemoryStore()
    old = merged([event("play_start", 5, START, title=3)])
    kv.set(realtime_key(5), orjson.dumps(evaluate(old, CATALOG.genres)))
    kv.set(state_key(5), old.encode())
    features = OnlineFeatures(kv, CATALOG)
    assert features.realtime(5)["plays_today"] == 1
    assert features.realtime(5, at=START + timedelta(minutes=1))["session_genres"] == ["action"]
    state = features.load_states([5])[5]
    assert state.records == old.records
    features.save_states({5: merged([event("play_start", 5, START, title=2)], state)})
    assert features.realtime(5)["plays_today"] == 2
