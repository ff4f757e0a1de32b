"""The ranker's offline evaluation on ml-100k (docs/evaluation.md): it beats weak sources alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.evaluation.ranking_eval import evaluate_ranker

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_on_ml_100k_the_ranker_beats_popularity_and_item_knn_alone(shared_data: Path) -> None:
    report = evaluate_ranker(load_dataset(shared_data / "movielens" / "ml-100k"), holdout=0.1)
    blended = report.rows["ranker, default blend (1.0, 0.5, 0.3)"]
    assert blended["ndcg_played"] > report.rows["popular alone"]["ndcg_played"]
    assert blended["ndcg_played"] > report.rows["knn alone"]["ndcg_played"]
    assert report.pool_recall > blended["recall_played"]
