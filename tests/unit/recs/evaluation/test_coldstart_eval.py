"""Cold start on held-out users: how picks are chosen, and the evaluation end to end."""

from __future__ import annotations

import pandas as pd

from marquee.recs.evaluation.coldstart_eval import (
    coldstart_markdown,
    earliest_picks,
    evaluate_coldstart,
    hold_out,
)
from tests.unit.recs.evaluation.test_page import small_dataset

DAY = 86_400


def history(rows: list[tuple[int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "rating", "timestamp"])


def test_picks_are_the_first_three_likes_and_later_is_what_follows_them() -> None:
    rows = [
        (1, 2.0, 0),
        (2, 5.0, 1),
        (3, 4.0, 2),
        (4, 3.0, 3),
        (5, 4.5, 4),
        (6, 1.0, 5),
        (7, 4.0, 6),
    ]
    new = earliest_picks(9, history(rows))
    assert new is not None
    assert new.picks == [2, 3, 5]
    assert new.later == {6, 7}  # the dislike before the third pick (1, 4) is neither


def test_a_user_with_fewer_than_three_likes_or_nothing_later_is_skipped() -> None:
    assert earliest_picks(9, history([(1, 5.0, 0), (2, 5.0, 1), (3, 2.0, 2)])) is None
    assert earliest_picks(9, history([(1, 5.0, 0), (2, 5.0, 1), (3, 5.0, 2)])) is None


def test_a_gap_keeps_only_later_sessions() -> None:
    rows = [(1, 5.0, 0), (2, 5.0, 1), (3, 5.0, 2), (4, 4.0, 100), (5, 4.0, 2 * DAY)]
    new = earliest_picks(9, history(rows), gap_days=1)
    assert new is not None
    assert new.later == {5}


def test_held_out_users_are_absent_from_training() -> None:
    ratings = small_dataset().ratings
    train, newcomers = hold_out(ratings, share=0.25, seed=3)
    held = {n.user_id for n in newcomers}
    assert held
    assert not held & set(train["user_id"])


def test_coldstart_evaluation_runs_end_to_end_and_picks_beat_popularity_on_taste_clusters() -> None:
    report = evaluate_coldstart(small_dataset(), share=0.3, seed=1)
    assert report.stats["held_out_users"] > 10
    assert set(report.results) == {"popularity", "blend", "top-picks row", "first row"}
    # Generated users rate mostly inside one taste cluster: their picks say which one.
    assert report.results["blend"]["ndcg"] > report.results["popularity"]["ndcg"]
    assert set(report.pages["screen"]) == {"cold start", "popularity"}
    assert "× popularity" in coldstart_markdown(report)
