"""Precompute with the lake's impressions: the ranker's play head learns P(play | shown) from what
the homepage showed and what was then started, and the registry says so."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from marquee.bootstrap import Container
from marquee.recs.precompute import Precompute, Summary
from marquee.recs.release import RANKER
from tests.conftest import MakeCaller
from tests.home_support import World, build_world
from tests.recs_catalog import add_profile


@pytest.fixture
def world(container: Container, make_caller: MakeCaller) -> World:
    return build_world(container, make_caller().account_id)


def run(container: Container) -> Summary:
    return Precompute(
        db=container.db, kv=container.kv, settings=container.settings.recs,
        executor=container.compute, now=container.clock, registry=container.registry,
        lake=container.lake,
    ).run()  # fmt: skip


def shown_and_started(container: Container, world: World, profiles: list[int]) -> None:
    """Each profile is shown one row of every title an hour ago and starts four of them."""
    rnd = random.Random(5)
    now = container.clock()
    shown_at, started_at = (now - timedelta(hours=1)).isoformat(), (now - timedelta(minutes=30))
    events: list[dict[str, Any]] = []
    for profile in profiles:
        titles = rnd.sample(world.titles, len(world.titles))
        context = {"titles": titles, "level": "precomputed", "model_version": None}
        events.append(
            {"event_id": f"shown-{profile:05d}", "type": "impression", "profile_id": profile,
             "session_id": "web", "item": {"title_id": titles[0]}, "row": "top-picks",
             "position": 0, "client_time": shown_at, "context": context | {"config": "default"}}
        )  # fmt: skip
        events += [
            {"event_id": f"start-{profile}-{t}", "type": "play_start", "profile_id": profile,
             "session_id": "web", "item": {"title_id": t}, "position_s": 0,
             "client_time": started_at.isoformat()}
            for t in titles[:4]
        ]  # fmt: skip
    result = container.events.ingest(events, account_id=world.account_id)
    assert not result.errors
    container.archiver.drain()


def test_the_play_head_learns_from_impressions_when_the_lake_has_enough(
    container: Container, world: World
) -> None:
    before = run(container)
    assert before.ranker_release is not None
    first = container.registry.get(RANKER, before.ranker_release.candidate)
    assert first.params["labels_play"] == "temporal"  # no impressions yet: the proxy
    newcomers = [add_profile(container, world.account_id, f"Guest {n}") for n in range(6)]
    shown_and_started(container, world, [world.adult, world.kids, *world.others, *newcomers])
    after = run(container)
    assert after.ranker_release is not None
    entry = container.registry.get(RANKER, after.ranker_release.candidate)
    assert entry.params["labels_play"] == "impressions"
    assert entry.params["labels_complete"] == entry.params["labels_thumbs"] == "temporal"
    assert "auc_play_shown" in entry.metrics
