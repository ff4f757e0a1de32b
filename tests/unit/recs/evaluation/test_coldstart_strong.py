"""Cold start under strong generalisation: users split three ways, picks chosen two ways,
positives only relevant, the blend weight chosen on validation users."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marquee.recs.evaluation.coldstart_strong import (
    WEIGHTS,
    earliest_positives,
    evaluate_strong,
    onboarding_positives,
    positives_split,
    read_bands,
    strong_markdown,
)
from tests.unit.recs.evaluation.test_page import small_dataset


def history(rows: list[tuple[int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "rating", "timestamp"])


def test_validation_test_and_training_users_are_disjoint_and_only_positives_remain() -> None:
    ratings = small_dataset().ratings
    train, valid, test = positives_split(ratings, share=0.2, seed=3)
    users = [set(frame["user_id"]) for frame in (train, valid, test)]
    assert all(users)
    assert not users[0] & users[1]
    assert not users[0] & users[2]
    assert not users[1] & users[2]
    for frame in (train, valid, test):
        assert (frame["rating"] > 3.5).all()
    assert set(valid["item_id"]) <= set(train["item_id"])  # titles no model knows are dropped


def test_earliest_picks_are_the_first_three_positives_and_later_positives_are_relevant() -> None:
    rows = [(5, 4.0, 3), (1, 5.0, 0), (2, 4.0, 1), (3, 4.5, 2), (4, 5.0, 4)]
    new = earliest_positives(9, history(rows))
    assert new is not None
    assert new.picks == [1, 2, 3]
    assert new.relevant == {5, 4}
    assert earliest_positives(9, history(rows[:3])) is None  # nothing after the picks


def test_onboarding_picks_are_the_best_rated_of_the_shown_set_then_the_first_positives() -> None:
    rows = [(1, 4.0, 0), (2, 5.0, 1), (3, 4.0, 2), (7, 4.5, 3), (8, 5.0, 4)]
    new = onboarding_positives(9, history(rows), shown=[8, 7, 50])
    assert new is not None
    assert new.picks == [8, 7, 1]  # two from the set (best rated first), then the earliest
    assert new.relevant == {2, 3}


def test_age_bands_come_from_u_user_when_the_folder_has_one(tmp_path: Path) -> None:
    assert read_bands(tmp_path) == {}
    (tmp_path / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n")
    assert read_bands(tmp_path) == {1: "18-24", 2: "45-54"}


def test_the_strong_cold_start_evaluation_tunes_on_validation_and_picks_beat_popularity() -> None:
    dataset = small_dataset()
    bands = {int(u): "18-24" if int(u) % 2 else "25-34" for u in dataset.ratings["user_id"]}
    report = evaluate_strong(dataset, bands=bands, share=0.2, seed=1)
    for strategy in ("earliest", "onboarding"):
        lists = report.results[strategy]
        assert {"popularity", "segment popularity", "knn+popularity", "ease+popularity"} <= set(
            lists
        )
        assert lists["knn+popularity"]["w"] in WEIGHTS
        assert lists["popularity"]["w"] < 0  # a single list: nothing to tune
        for found in lists.values():
            assert 0.0 <= found["ndcg"] <= 1.0
            assert 0.0 <= found["recall"] <= 1.0
        # Generated users like one taste cluster: their picks say which one.
        assert lists["ease+popularity"]["ndcg"] > lists["popularity"]["ndcg"]
    assert "Picks: onboarding" in strong_markdown(report)
