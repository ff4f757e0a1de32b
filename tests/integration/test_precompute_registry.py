"""Precompute and the model registry: each run registers Top Picks; a regressing model does not
serve — the promoted version does — and the summary and the CLI say so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from marquee.bootstrap import Container, bootstrap
from marquee.cli import app as cli
from marquee.config import load_settings
from marquee.recs.candidates import EASE
from marquee.recs.data import IdMap, from_events
from marquee.recs.precompute import Precompute, Summary
from marquee.recs.precompute_data import load_home_data
from marquee.recs.release import RANKER, RANKER_GATE, TOP_PICKS, release_top
from marquee.storage.db.tables import Account
from tests.conftest import MakeCaller
from tests.home_support import World, build_world

PERFECT = {"ndcg@10": 1.0, "recall@10": 1.0}


@pytest.fixture
def world(container: Container, make_caller: MakeCaller) -> World:
    return build_world(container, make_caller().account_id)


def run(container: Container) -> Summary:
    job = Precompute(
        db=container.db, kv=container.kv, settings=container.settings.recs,
        executor=container.compute,
        now=container.clock, registry=container.registry,
    )  # fmt: skip
    return job.run()


def promote_model_of(container: Container, titles: list[int], metrics: dict[str, float]) -> str:
    """Fit EASE on the plays of ``titles`` only, register it with ``metrics`` and promote it."""
    data = load_home_data(container.db, now=container.clock())
    events = data.events[data.events["item_id"].isin(titles)]
    model = EASE().fit(from_events(events, items=IdMap.from_values(titles)))
    entry = container.registry.register_model(TOP_PICKS, model, metrics=metrics)
    container.registry.promote(TOP_PICKS, entry.version)
    return entry.version


def test_the_first_run_registers_and_promotes_top_picks(container: Container, world: World) -> None:
    summary = run(container)
    assert summary.release is not None
    assert summary.release.promoted
    history = container.registry.history(TOP_PICKS)
    assert history.promoted is not None
    assert history.promoted.version == summary.release.candidate
    entry = history.versions[0]
    assert entry.kind == "recommender:ease"
    assert {"ndcg@10", "recall@10"} <= entry.metrics.keys()


def test_a_regressing_model_is_registered_but_the_promoted_one_serves(
    container: Container, world: World
) -> None:
    subset = world.titles[:24]
    promoted = promote_model_of(container, subset, PERFECT)
    summary = run(container)
    release = summary.release
    assert release is not None
    assert not release.promoted
    assert release.serving == promoted != release.candidate
    assert "serving promoted" in release.describe()
    assert container.registry.promoted(TOP_PICKS).version == promoted  # type: ignore[union-attr]
    assert {e.version for e in container.registry.versions(TOP_PICKS)} == {
        promoted,
        release.candidate,
    }
    # Once an admin promotes the new version, it serves: the rows are a new version.
    container.registry.promote(TOP_PICKS, release.candidate, force=True)
    after = run(container)
    assert after.release is not None
    assert after.release.promoted
    assert after.version != summary.version


def test_when_the_gate_refuses_the_model_handed_back_is_the_promoted_one(
    container: Container, world: World
) -> None:
    subset = world.titles[:24]
    promote_model_of(container, subset, PERFECT)
    data = load_home_data(container.db, now=container.clock())
    candidate = EASE().fit(from_events(data.events, items=data.items))
    release, serving = release_top(container.registry, candidate, data, container.settings.recs)
    assert serving is not candidate
    ids, _ = serving.recommend(serving.users.index([world.adult]), 20)
    recommended = set(serving.items.to_raw(ids[ids >= 0]).tolist())
    assert recommended
    assert recommended <= set(subset)
    assert release.serving != release.candidate


def test_a_promoted_model_whose_titles_are_gone_gives_way_to_the_new_one(
    container: Container, world: World
) -> None:
    data = load_home_data(container.db, now=container.clock())
    gone = 10**9  # a title the catalog does not have
    events = data.events.copy()
    at = int(datetime(2026, 1, 2, tzinfo=UTC).timestamp())
    events.loc[len(events)] = [world.adult, gone, "play", 1.0, at]
    items = IdMap.from_values(np.append(data.items.raw, gone))
    model = EASE().fit(from_events(events, items=items))
    stale = container.registry.register_model(TOP_PICKS, model, metrics=PERFECT).version
    container.registry.promote(TOP_PICKS, stale)
    release = run(container).release
    assert release is not None
    assert release.refused
    assert release.serving == release.candidate != stale
    assert "no longer in the catalog" in release.describe()


def test_the_cli_says_when_the_promoted_model_serves_instead(data_dir: Path) -> None:
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        with container.db.session() as s:
            account = Account(email="cli@example.com", password_hash=None, role="viewer")
            s.add(account)
            s.flush()
            account_id = account.id
        world = build_world(container, account_id)
        promoted = promote_model_of(container, world.titles[:24], PERFECT)
    finally:
        container.close()
    runner = CliRunner()
    out = runner.invoke(cli.app, ["--data-dir", str(data_dir), "batch", "precompute"])
    assert out.exit_code == 0, out.output
    assert "refused (ndcg@10: " in out.output
    assert f"serving promoted {promoted}" in out.output
    listing = runner.invoke(cli.app, ["--data-dir", str(data_dir), "models", "show", TOP_PICKS])
    assert listing.exit_code == 0, listing.output
    assert promoted in listing.output
    refused = runner.invoke(
        cli.app, ["--data-dir", str(data_dir), "models", "promote", TOP_PICKS, "0123456789ab"]
    )
    assert refused.exit_code != 0


def test_the_ranker_is_versioned_and_a_regressing_one_gives_way_to_the_promoted(
    container: Container, world: World
) -> None:
    first = run(container).ranker_release
    assert first is not None
    assert first.promoted
    entry = container.registry.get(RANKER, first.candidate)
    assert entry.kind == "ranker:lightgbm"
    assert set(RANKER_GATE) & entry.metrics.keys()
    # The same booster, registered as if it had scored perfectly, becomes the promoted one.
    best = container.registry.register(
        name=RANKER, artefact=container.registry.artefact(RANKER, first.candidate),
        snapshot=entry.snapshot_id, params=entry.params,
        metrics=dict.fromkeys(RANKER_GATE, 1.0), version="perfect",
    )  # fmt: skip
    container.registry.promote(RANKER, best.version)
    again = run(container).ranker_release
    assert again is not None
    assert again.refused
    assert again.candidate == first.candidate
    assert again.serving == "perfect"
    assert "serving promoted perfect" in again.describe()
