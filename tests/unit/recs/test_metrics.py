"""Metric definitions, checked by hand against Microsoft Recommenders' python_evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.recs.evaluation.metrics import (
    accuracy_at,
    coverage,
    gini,
    hit_matrix,
    novelty,
)


def relevant(rows: list[list[int]], n_items: int = 10) -> sp.csr_matrix:
    r = [i for i, items in enumerate(rows) for _ in items]
    c = [item for items in rows for item in items]
    return sp.csr_matrix((np.ones(len(c), dtype=np.float32), (r, c)), shape=(len(rows), n_items))


def test_hits_follow_rank_order_and_ignore_empty_slots() -> None:
    recs = np.array([[3, 1, -1], [0, 2, 4]])
    hits = hit_matrix(recs, relevant([[1, 3], [4]]))
    assert hits.tolist() == [[True, True, False], [False, False, True]]


def test_one_user_metrics_match_hand_computation() -> None:
    # Ranked list hits at ranks 1 and 3 of k = 3; four relevant items in total.
    hits = np.array([[True, False, True]])
    got = accuracy_at(hits, np.array([4]), 3)
    ideal = sum(1 / math.log(1 + r) for r in (1, 2, 3))
    assert got["precision"] == pytest.approx(2 / 3)
    assert got["recall"] == pytest.approx(2 / 4)
    assert got["ndcg"] == pytest.approx((1 / math.log(2) + 1 / math.log(4)) / ideal)
    assert got["map"] == pytest.approx((1 / 1 + 2 / 3) / min(4, 3))
    assert got["map_legacy"] == pytest.approx((1 / 1 + 2 / 3) / 4)
    assert got["mrr"] == pytest.approx(1.0)
    assert got["hit"] == 1.0


def test_users_without_hits_count_as_zero_and_users_without_truth_are_skipped() -> None:
    hits = np.array([[False, True], [False, False], [True, True]])
    got = accuracy_at(hits, np.array([1, 2, 0]), 2)
    assert got["precision"] == pytest.approx((1 / 2 + 0) / 2)
    assert got["mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert got["ndcg"] == pytest.approx(((1 / math.log(3)) / (1 / math.log(2))) / 2)


def test_ideal_dcg_is_cut_at_k_when_there_are_more_relevant_items() -> None:
    hits = np.array([[True, True]])
    assert accuracy_at(hits, np.array([10]), 2)["ndcg"] == pytest.approx(1.0)


def test_coverage_gini_and_novelty() -> None:
    recs = np.array([[0, 1], [0, 2]])
    assert coverage(recs, 4, 2) == pytest.approx(3 / 4)
    assert gini(np.array([[0], [1], [2], [3]]), 4, 1) == pytest.approx(0.0)
    assert gini(np.array([[0], [0]]), 4, 1) == pytest.approx(0.75)
    item_users = np.array([8, 2, 1, 0])
    assert novelty(np.array([[0, 1]]), item_users, 8, 2) == pytest.approx((0 + 2) / 2)
