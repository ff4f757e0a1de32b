"""The profile's ranking precompute hands the page: the ranker's order, then deeper titles."""

from __future__ import annotations

from marquee.recs.precompute import _deeper


def test_the_ranking_keeps_the_rankers_order_then_goes_deeper_without_repeats() -> None:
    ranker = [(5, 0.9), (2, 0.8), (7, 0.1)]
    model = [(2, 3.0), (5, 2.0), (9, 1.5), (7, 1.0), (4, 0.5)]
    assert [t for t, _ in _deeper(ranker, model)] == [5, 2, 7, 9, 4]


def test_without_a_ranker_the_ranking_is_the_models_deeper_list() -> None:
    model = [(2, 3.0), (5, 2.0), (9, 1.5)]
    assert _deeper(model[:2], model) == model
