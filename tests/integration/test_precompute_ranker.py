"""Precompute with the multi-objective ranker: trained from the platform's history, it orders
Top Picks by each profile's blend, and pages stay valid."""

from __future__ import annotations

import pytest

from marquee.bootstrap import Container
from marquee.recs.postrank import NEW_FOR_YOU
from marquee.recs.precompute import profile_pages, rows_key
from marquee.recs.precompute_data import load_home_data
from marquee.recs.precompute_models import fit_models, fit_ranker
from marquee.recs.ranking.ranker import BlendWeights
from marquee.recs.rows import blend_for, decode_rows
from tests.conftest import MakeCaller
from tests.home_support import World, build_world, precompute


@pytest.fixture
def world(container: Container, make_caller: MakeCaller) -> World:
    return build_world(container, make_caller().account_id)


def test_precompute_trains_a_ranker_and_top_picks_follow_its_blend(
    container: Container, world: World
) -> None:
    now = container.clock()
    data = load_home_data(container.db, now=now)
    models = fit_models(data, container.settings.recs, now)
    assert models is not None
    models.ranker = fit_ranker(data, models, container.settings.recs, now)
    assert models.ranker is not None
    assert models.ranker.model.version is not None
    pool = container.settings.recs.row_length * 4
    scored = models.ranker.score([p.profile_id for p in data.profiles], pool)
    pages = dict(profile_pages(data.profiles, data, models, container.settings.recs, now))
    for profile in data.profiles:
        blended = dict(
            scored[profile.profile_id].ordered(BlendWeights(*blend_for("default")), pool)
        )
        top = next(row for row in pages[profile.profile_id] if row.key == "top-picks")
        ranked = [p for p in top.items if p.reason != NEW_FOR_YOU]
        assert ranked, "Top Picks holds ranked titles, not only exploration slots"
        for pick in ranked:
            # A pick keeps its blended value (or a new-release lift of it).
            assert pick.title_id in blended
            assert pick.score >= blended[pick.title_id] - 1e-6
        assert not {p.title_id for p in top.items} & profile.blocked


def test_pages_built_with_the_ranker_respect_maturity_and_cover_every_profile(
    container: Container, world: World
) -> None:
    summary = precompute(container)
    assert summary.profiles == summary.written == 10
    limits = {
        p.profile_id: p.max_level
        for p in load_home_data(container.db, now=container.clock()).profiles
    }
    assert limits[world.kids] < max(world.levels.values())
    for profile in [world.adult, world.kids, *world.others]:
        raw = container.kv.get(rows_key(summary.version, "p", profile))
        assert raw is not None
        rows, _ = decode_rows(raw)
        assert rows
        assert rows[0].items
        titles = {p.title_id for row in rows for p in row.items}
        assert all(world.levels[t] <= limits[profile] for t in titles)
