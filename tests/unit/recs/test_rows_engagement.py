"""Page assembly driven by the profile's own ranking: rows reordered inside and on the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marquee.recs import rows
from marquee.recs.coldstart import _blend
from marquee.recs.postrank import Audience, Rules
from marquee.recs.rows import PageInputs, build_page
from tests.unit.recs.test_rows import Card

NOW = datetime(2026, 11, 21, tzinfo=UTC)
CARDS = {t: Card(f"T{t}", ("drama" if t < 100 else "comedy",), 0) for t in range(1, 200)}
PLAIN = Rules(row_length=6, exploration=0.0, diversity="none", new_release_boost=0.0)


def scored(ids: list[int]) -> list[tuple[int, float]]:
    return [(t, 100.0 - n) for n, t in enumerate(ids)]


def page(**fields: object) -> dict[str, list[int]]:
    base = PageInputs(name="Ana", audience=Audience(max_level=18, country="ES"))
    for key, value in fields.items():
        setattr(base, key, value)
    return {row.key: [p.title_id for p in row.items] for row in build_page(base, CARDS, PLAIN, NOW)}


def test_a_because_row_shows_first_what_the_profiles_ranking_favours() -> None:
    ranking = scored([1, 2, 3, 4, 5, 6, 58, 57, *range(7, 40)])
    got = page(top_picks=ranking, because=[(99, scored(list(range(50, 60))))])
    assert set(got["because-99"][:2]) == {57, 58}
    # Without the ranking the row keeps its own (similarity) order.
    assert page(because=[(99, scored(list(range(50, 60))))])["because-99"][:2] == [50, 51]


def test_rows_the_profile_is_predicted_to_like_move_up_the_page() -> None:
    picks = scored([1, 2, 3, 4, 5, 6, *range(60, 80)])
    got = page(
        top_picks=picks,
        because=[(98, scored(list(range(150, 160)))), (99, scored(list(range(60, 70))))],
    )
    keys = list(got)
    assert keys[0] == "top-picks"
    assert keys.index("because-99") < keys.index("because-98")


def test_genre_rows_take_top_picks_before_popular_titles_whatever_their_scales() -> None:
    # Popularity scores are counts (hundreds); Top Picks scores are small. Rank decides.
    got = page(
        top_picks=[(t, 0.5 - t / 1000) for t in [1, 2, 3, 4, 5, 6, 101, 102]],
        segment_top=[(t, 1000.0 - t) for t in range(120, 140)],
        genre_affinity={"comedy": 1.0},
    )
    assert got["genre-comedy"][:2] == [101, 102]
    assert got["genre-comedy"][2:] == [120, 121, 122, 123]


def test_the_deeper_ranking_reorders_rows_with_titles_beyond_top_picks() -> None:
    # Top Picks shows 1..8; the ranking goes on to 57 and 58, which a Because row then leads
    # with, though its own similarity order puts them last.
    top = scored([1, 2, 3, 4, 5, 6, 7, 8])
    because = [(99, scored(list(range(50, 60))))]
    assert page(top_picks=top, because=because)["because-99"][:2] == [50, 51]
    ranking = scored([1, 2, 3, 4, 5, 6, 7, 8, 58, 57, *range(100, 140)])
    deep = page(top_picks=top, ranking=ranking, because=because)
    assert set(deep["because-99"][:2]) == {57, 58}
    assert deep["top-picks"] == [1, 2, 3, 4, 5, 6]  # the Top Picks row itself is unchanged


def test_genre_rows_fill_from_the_deeper_ranking_before_popular_titles() -> None:
    got = page(
        top_picks=scored([1, 2, 3, 4, 5, 6]),
        ranking=scored([1, 2, 3, 4, 5, 6, 103, 101]),
        segment_top=[(t, 1000.0 - t) for t in range(120, 140)],
        genre_affinity={"comedy": 1.0},
    )
    assert got["genre-comedy"][:2] == [103, 101]


def test_without_a_ranking_rows_keep_their_prior_order() -> None:
    got = page(
        because=[(99, scored(list(range(50, 60))))],
        trending=scored(list(range(150, 160))),
        segment_top=scored(list(range(160, 170))),
    )
    assert list(got) == ["because-99", "trending", "top10-ES"]


def test_the_cold_start_blend_ranks_titles_near_several_picks_above_titles_near_one() -> None:
    near_all = [(10, 0.5), (11, 0.4)]
    lists = [[*near_all, (20, 0.6)], [*near_all, (21, 0.6)], near_all]
    blended = [t for t, _ in _blend(lists, [(30, 50.0), (31, 10.0)], 6, 1.0)]
    assert blended.index(11) < blended.index(20)
    assert blended.index(11) < blended.index(21)
    # At weight 1 popularity counts as much as the picks: the most popular title ranks high.
    assert blended.index(30) < blended.index(11)
    assert blended.index(31) > blended.index(21)


def test_at_weight_zero_popularity_only_fills_after_the_picks_neighbours() -> None:
    lists = [[(10, 0.5), (11, 0.4)], [(12, 0.3)]]
    blended = [t for t, _ in _blend(lists, [(30, 50.0), (31, 10.0)], 5, 0.0)]
    assert blended[:3] == [10, 11, 12]
    assert set(blended[3:]) == {30, 31}


def test_a_row_predicted_far_below_the_best_is_left_off_only_when_the_floor_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fields = {
        "top_picks": scored([1, 2, 3, 4, 5, 6, *range(60, 80)]),
        "because": [(99, scored(list(range(60, 70))))],
        "new_releases": list(range(150, 160)),  # nothing the ranking predicts
    }
    assert "new" in page(**fields)
    monkeypatch.setattr(rows, "YIELD_FLOOR", 0.3)
    got = page(**fields)
    assert "new" not in got
    assert {"top-picks", "because-99"} <= set(got)
    # Without a ranking nothing is predicted, so nothing is left off.
    assert "new" in page(new_releases=list(range(150, 160)))
