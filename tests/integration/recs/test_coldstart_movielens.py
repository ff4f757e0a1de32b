"""Cold start on held-out ml-100k users, from ../shared/data (skipped where it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.recs.evaluation.coldstart_eval import evaluate_coldstart
from marquee.recs.evaluation.datasets import load_dataset

pytestmark = [pytest.mark.shared_data]


def test_three_onboarding_picks_beat_popularity_on_later_ml100k_ratings(shared_data: Path) -> None:
    report = evaluate_coldstart(load_dataset(shared_data / "movielens" / "ml-100k"))
    assert report.stats["held_out_users"] > 150
    assert report.results["blend"]["ndcg"] > report.results["popularity"]["ndcg"]
    assert report.results["first row"]["ndcg"] > report.results["popularity"]["ndcg"]
