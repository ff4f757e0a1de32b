"""Whole-page metrics on hand-built pages, and the page evaluation end to end on small data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from marquee.config import RecsSettings
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.page import (
    Viewport,
    _stage,
    crop,
    evaluate_pages,
    later_split,
    lay_out,
    page_markdown,
    page_scores,
)
from tests.unit.recs.conftest import generated_item_text, generated_ratings

LOG3 = math.log2(3)


def test_page_metrics_follow_their_definitions_on_a_hand_built_page() -> None:
    # Row-major ranks of the hits: 2 and 4. Cells of the hits: (row 1, col 2) and (2, 1).
    got = page_scores([[10, 20, 30], [40, 50]], {20, 40}, 2)
    assert got["recall"] == 1.0
    assert got["ndcg"] == pytest.approx((1 / LOG3 + 1 / math.log2(5)) / (1 + 1 / LOG3))
    # Both hit cells weigh 1/log2(3); the two best cells weigh 1 and 1/log2(3).
    assert got["ndcg2d"] == pytest.approx((2 / LOG3) / (1 + 1 / LOG3))


def test_a_hit_in_the_top_left_cell_is_a_perfect_page_for_one_relevant_title() -> None:
    got = page_scores([[7, 8], [9, 6]], {7}, 1)
    assert got == {"recall": 1.0, "ndcg": 1.0, "ndcg2d": 1.0}


def test_relevant_titles_missing_from_the_page_lower_recall_and_the_ideal() -> None:
    got = page_scores([[1, 2]], {1, 99, 98}, 3)
    assert got["recall"] == pytest.approx(1 / 3)
    assert got["ndcg"] == pytest.approx(1 / (1 + 1 / LOG3))  # ideal fills both slots


def test_a_title_shown_twice_counts_once() -> None:
    assert page_scores([[5, 5]], {5}, 2)["recall"] == 0.5


def test_an_empty_page_scores_zero() -> None:
    assert page_scores([], {1}, 1) == {"recall": 0.0, "ndcg": 0.0, "ndcg2d": 0.0}


def test_a_single_list_is_given_exactly_the_pages_cells() -> None:
    assert lay_out(list(range(10)), [[0, 0, 0], [0, 0]]) == [[0, 1, 2], [3, 4]]
    assert lay_out([1, 2], [[0, 0], [0]]) == [[1, 2], []]


def test_the_screen_view_crops_rows_and_columns() -> None:
    page = [[1, 2, 3], [4, 5, 6], [7]]
    assert crop(page, Viewport("screen", 2, 2)) == [[1, 2], [4, 5]]
    assert crop(page, Viewport("page", 0, 0)) == page


def test_the_later_split_holds_out_each_users_last_fifth_by_time() -> None:
    ratings = pd.DataFrame(
        {
            "user_id": [1] * 10 + [2] * 3,
            "item_id": [*list(range(10)), 1, 2, 3],
            "rating": [4.0] * 13,
            "timestamp": [*list(range(10, 0, -1)), 1, 2, 3],
        }
    )
    stage = later_split(ratings)
    # User 1 rated item 9 first and item 0 last; user 2 has too few rows to test.
    assert set(stage.target["item_id"]) == {0, 1}
    assert set(stage.target["user_id"]) == {1}
    assert len(stage.fit) == 11


def small_dataset() -> Dataset:
    ratings = generated_ratings()
    text = generated_item_text()
    genres = text.assign(genre=text["text"].str.extract(r"genre:(\w+)")[0])[["item_id", "genre"]]
    return Dataset("generated", "csv", ratings, text, genres)


def test_whole_page_evaluation_scores_pages_and_single_lists_in_the_same_cells() -> None:
    settings = RecsSettings(row_length=6, max_rows=8, because_rows=2)
    report = evaluate_pages(small_dataset(), settings=settings)
    assert report.stats["test_users"] > 50
    assert set(report.results) == {"page", "screen"}
    for lists in report.results.values():
        assert set(lists) == {"page", "top-picks", "model"}
        for found in lists.values():
            assert all(0.0 <= value <= 1.0 for value in found.values())
    assert report.slots["screen"] <= 5 * 6
    assert report.slots["page"] <= 8 * 6
    assert report.rows["top"]["rows_per_page"] > 0.5
    assert report.results["page"]["page"]["recall"] > 0
    assert "| screen" in page_markdown(report)


def test_the_validation_stage_never_sees_the_test_rows() -> None:
    ratings = small_dataset().ratings
    test = later_split(ratings)
    valid, _ = _stage(small_dataset(), "later-valid", 42)
    rows = ["user_id", "item_id", "timestamp"]
    seen = pd.concat([valid.fit, valid.target])[rows]
    assert len(seen.merge(test.target[rows])) == 0
    assert len(seen) == len(test.fit)
    assert len(valid.target) > 0


def test_genre_rows_setting_decides_whether_pages_have_genre_rows() -> None:
    def kinds(genre_rows: int) -> set[str]:
        settings = RecsSettings(row_length=6, max_rows=8, because_rows=2, genre_rows=genre_rows)
        return set(evaluate_pages(small_dataset(), settings=settings).rows)

    assert "genre" in kinds(3)
    assert "genre" not in kinds(0)
