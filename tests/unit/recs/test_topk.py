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


@pytest.mark.parametrize("seed", range(6))
def test_top_k_matches_a_full_stable_sort_across_chunk_edges(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of a few rows: the last chunk is short and candidates of several chunks meet.
    monkeypatch.setattr(topk, "CACHE_BYTES", 64 * 1024)
    rng = np.random.default_rng(seed)
    n, m, k = int(rng.integers(1, 60)), int(rng.integers(1_700, 4_200)), int(rng.integers(1, 120))
    scores = block(seed, n, m, ties=bool(seed % 2), masked=float(rng.choice([0.0, 0.3, 0.97])))
    ids, values = topk.top_k(scores.copy(), k)
    want_ids, want_values = reference(scores, k)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_array_equal(values, want_values)


def test_top_k_takes_float64_and_strided_input_as_float32() -> None:
    scores = block(7, 40, 3_000, ties=True, masked=0.1)
    want_ids, want_values = reference(scores, 25)
    inputs: list[np.ndarray] = [scores.astype(np.float64), np.asfortranarray(scores)]
    for given in inputs:
        ids, values = topk.top_k(given, 25)
        np.testing.assert_array_equal(ids, want_ids)
        np.testing.assert_array_equal(values, want_values)


def test_top_k_returns_negative_zero_as_given() -> None:
    scores = np.full((1, 4_000), -1.0, dtype=np.float32)
    scores[0, 3] = -0.0
    _, values = topk.top_k(scores, 1)
    assert values[0, 0] == 0.0
    assert np.signbit(values[0, 0])


def test_top_k_survives_rows_of_nan() -> None:
    scores = block(3, 5, 3_000, ties=False, masked=0.0)
    scores[2] = np.nan
    ids, values = topk.top_k(scores, 10)
    want_ids, want_values = reference(np.delete(scores, 2, axis=0), 10)
    np.testing.assert_array_equal(np.delete(ids, 2, axis=0), want_ids)
    np.testing.assert_array_equal(np.delete(values, 2, axis=0), want_values)
    assert (ids[2] == -1).all()
    assert np.isneginf(values[2]).all()
    ids, values = topk.top_k(np.full((2, 3_000), np.nan, dtype=np.float32), 5)
    assert (ids == -1).all()
    assert np.isneginf(values).all()


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


def test_mask_entries_on_a_strided_view_writes_through() -> None:
    base = np.ones((3, 12), dtype=np.float32)
    scores = base[:, ::2]  # not contiguous: no flat view to write into
    seen = sp.csr_matrix(([1.0, 1.0], ([0, 2], [4, 1])), shape=(3, 6))
    topk.mask_entries(scores, seen)
    np.testing.assert_array_equal(np.isinf(scores), seen.toarray() > 0)
