"""Online equals offline: the stream processor's real-time features, after replaying the events
up to t in a shuffled order, equal the batch computation as of t, on both event-log backends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marquee.features.definitions import REALTIME
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures, rows, spine_of
from tests.features_backends import CATALOG, Pipeline, pipeline
from tests.features_sample import history


@pytest.fixture(params=["sqlite", "redis"])
def pipe(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pipeline]:
    with pipeline(request.param, tmp_path) as p:
        yield p


def offline_at(offline: OfflineFeatures, profiles: list[int], at: datetime) -> dict[int, Any]:
    found = rows(offline.realtime(spine_of("profile_id", profiles, at)))
    return {row["profile_id"]: {k: v for k, v in row.items() if k not in ("key", "profile_id")}
            for row in found}  # fmt: skip


def online_at(pipe: Pipeline, profiles: list[int], at: datetime) -> dict[int, Any]:
    found = {p: pipe.features.realtime(p, at=at) for p in profiles}
    for values in found.values():
        values.pop("as_of")
    return found


@pytest.mark.parametrize("cut", [0.4, 0.7, 1.0])
def test_online_values_equal_offline_values_at_the_same_time(pipe: Pipeline, cut: float) -> None:
    events = history(11, profiles=4, sessions=6)
    times = sorted(e.client_time for e in events)
    t = times[int(cut * (len(times) - 1))]
    replay = [e for e in events if e.client_time <= t]
    random.Random(5).shuffle(replay)  # out of order, as a real stream is
    pipe.publish(replay)
    pipe.drain()
    profiles = sorted({e.profile_id for e in replay})
    offline = OfflineFeatures(events_to_arrow(replay), CATALOG.titles_table())
    # At t, and later: once sessions have closed and the hour has passed.
    for at in (t, t + timedelta(minutes=45), t + timedelta(hours=3)):
        assert online_at(pipe, profiles, at) == offline_at(offline, profiles, at)
    now = online_at(pipe, profiles, t).values()
    assert any(v["session_genres"] for v in now)
    assert any(v["plays_today"] for v in now)
    assert any(v["abandoned_plays_1h"] or v["completion_rate_today"] for v in now)
    assert set(offline_at(offline, profiles, t)[profiles[0]]) == {f.name for f in REALTIME}


def test_the_materialised_values_are_those_as_of_each_profiles_newest_event(
    pipe: Pipeline,
) -> None:
    events = history(12, profiles=3, sessions=4)
    pipe.publish(events)
    pipe.drain()
    offline = OfflineFeatures(events_to_arrow(events), CATALOG.titles_table())
    for profile in (1, 2, 3):
        newest = max(e.client_time for e in events if e.profile_id == profile)
        stored = pipe.features.realtime(profile)
        assert datetime.fromisoformat(stored.pop("as_of")) == newest
        assert stored == offline_at(offline, [profile], newest)[profile]
        assert stored["session_genres"] or stored["recent_items"]
