"""The cold-start blend's popularity weight: picks made from the onboarding set lean on their
neighbours, picks made elsewhere keep popularity in the blend."""

from __future__ import annotations

from typing import Any

from marquee.recs.coldstart import (
    CHOICES,
    POPULARITY_WEIGHT,
    Picks,
    diverse_popular,
    picks_inputs,
    popularity_weight,
)
from marquee.services.viewers import Viewer
from tests.unit.recs.test_rows import Card

GENRES = ("drama", "comedy", "crime")
CARDS: dict[int, Any] = {t: Card(f"T{t}", (GENRES[t % 3],), 0) for t in range(1, 400)}
POPULAR = [(t, 1000.0 - t) for t in range(1, 200)]  # title 1 the most popular


def test_the_onboarding_set_takes_popular_titles_one_genre_at_a_time() -> None:
    shown = diverse_popular([t for t, _ in POPULAR], CARDS, 6)
    assert shown == [1, 2, 3, 4, 5, 6]
    assert len({CARDS[t].genres[0] for t in shown[:3]}) == 3


def test_the_weight_falls_with_the_share_of_picks_from_the_onboarding_set() -> None:
    inside = diverse_popular([t for t, _ in POPULAR], CARDS, CHOICES)[:3]
    outside = [300, 301, 302]
    assert popularity_weight(inside, POPULAR, CARDS) == 0.0
    assert popularity_weight(outside, POPULAR, CARDS) == POPULARITY_WEIGHT
    mixed = popularity_weight([inside[0], *outside[:2]], POPULAR, CARDS, base=3.0)
    assert mixed == 2.0


def test_picks_from_the_onboarding_set_get_their_neighbours_before_popular_titles() -> None:
    viewer = Viewer(7, "Ana", 18, "ES", None, False)

    def neighbours(title: int) -> list[tuple[int, float]]:
        return [(350, 0.9), (351, 0.8)]

    def top_picks(titles: list[int]) -> list[int]:
        inputs = picks_inputs(
            viewer,
            Picks(titles, [], None),
            popular=POPULAR,
            cards=CARDS,
            neighbours=neighbours,
            k=10,
        )
        return [t for t, _ in inputs.top_picks]

    assert top_picks([1, 2, 3])[:2] == [350, 351]
    # Picks from outside the set keep popularity in the blend: the top popular title leads.
    assert top_picks([300, 301, 302])[0] == 1
