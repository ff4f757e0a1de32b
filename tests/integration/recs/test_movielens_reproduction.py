"""Published ml-100k numbers, reproduced from ../shared/data (skipped where it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.recs.candidates import make_model
from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.evaluation.protocols import make_split
from marquee.recs.evaluation.runner import prepare, run, score

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def ndcg_and_friends(
    shared_data: Path, protocol: str, model: str, params: dict[str, float]
) -> dict[str, float]:
    dataset = load_dataset(shared_data / "movielens" / "ml-100k")
    split = make_split(dataset.ratings, protocol, seed=42)
    test = prepare(split.test, split.items)
    recs, _, _ = run(make_model(model, params), test, 10)
    return score(recs, test, [10])


def test_sar_per_user_split_matches_microsoft_recommenders_notebook(shared_data: Path) -> None:
    # sar_movielens.ipynb: MAP 0.110591, nDCG 0.382461, precision 0.330753, recall 0.176385.
    got = ndcg_and_friends(shared_data, "msr-user", "sar", {"half_life_days": 30.0})
    assert got["ndcg@10"] == pytest.approx(0.382461, abs=5e-4)
    assert got["precision@10"] == pytest.approx(0.330753, abs=5e-4)
    assert got["recall@10"] == pytest.approx(0.176385, abs=5e-4)
    assert got["map_legacy@10"] == pytest.approx(0.110591, abs=5e-4)


def test_ease_beats_the_best_published_per_item_ndcg(shared_data: Path) -> None:
    got = ndcg_and_friends(shared_data, "msr-item", "ease", {"l2": 400.0})
    assert got["ndcg@10"] > 0.475  # BiVAE, the best row of their ml-100k table
