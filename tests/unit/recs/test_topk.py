"""Batch top-K (``marquee.recs.topk``) against a plain full sort: same items, same order."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.recs import topk


def reference(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best first, ties by column, -inf slots as (-1, -inf): a stable sort of every row."""
    n = scores.shape[0]
    ids = np.full((n, k), -1, dtype=np.int64)
    values = np.full((n, k), -np.inf, dtype=np.float32)
    for row in range(n):
        order = np.argsort(-scores[row].astype(np.float64), kind="stable")[:k]
        order = order[np.isfinite(scores[row, order])]
        ids[row, : order.size] = order
        values[row, : order.size] = scores[row, order]
    return ids, values


def block(seed: int, n: int, m: int, *, ties: bool, masked: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((n, m)).astype(np.float32)
    if ties:  # few distinct values: many equal scores around every threshold
        scores = np.round(scores, 1)
    scores[rng.random((n, m)) < masked] = -np.inf
    return scores


@pytest.mark.parametrize(
    ("n", "m", "k", "ties", "masked"),
    [
        (100, 27_000, 100, False, 0.0),  # wide: super-group bound, chunks of rows
        (100, 27_003, 100, True, 0.0),  # columns left over after the groups
        (30, 2_000, 100, True, 0.1),  # group maxima bound (too few super-groups)
        (9, 5_000, 10, True, 0.5),
        (40, 900, 100, False, 0.2),  # too few groups: exact threshold
        (3, 50, 100, False, 0.9),  # k above the items left: -1 slots
    ],
)
def test_top_k_matches_a_full_stable_sort(
    n: int, m: int, k: int, ties: bool, masked: float
) -> None:
    scores = block(n + m, n, m, ties=ties, masked=masked)
    ids, values = topk.top_k(scores.copy(), k)
    want_ids, want_values = reference(scores, k)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_array_equal(values, want_values)


def test_top_k_orders_equal_scores_by_column() -> None:
    scores = np.zeros((2, 20_000), dtype=np.float32)
    scores[1, ::2] = -0.0  # negative zero ties with zero
    ids, _ = topk.top_k(scores, 50)
    np.testing.assert_array_equal(ids, np.tile(np.arange(50), (2, 1)))


def test_mask_entries_hides_exactly_the_stored_items() -> None:
    scores = np.ones((3, 6), dtype=np.float32)
    seen = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 2], [1, 5, 0])), shape=(3, 6))
    topk.mask_entries(scores, seen)
    np.testing.assert_array_equal(np.isinf(scores), seen.toarray() > 0)
