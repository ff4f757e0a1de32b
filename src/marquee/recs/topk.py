"""Batch top-K over dense score blocks: mask, partial sort (argpartition), then sort only the K."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

# A score block of this many bytes keeps the partial sort in cache-friendly chunks while the
# dense products stay large enough for BLAS to run near its peak.
BLOCK_BYTES = 64 * 1024 * 1024
# Below this many rows a block is sorted in the calling thread.
PARALLEL_ROWS = 64


@cache
def _pool() -> ThreadPoolExecutor:
    """One pool per process, made on first use; numpy's partial sort releases the GIL."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="topk")


def block_rows(n_items: int, *, block_bytes: int = BLOCK_BYTES) -> int:
    """How many users to score at once so one float32 block stays near ``block_bytes``."""
    return max(16, block_bytes // max(1, 4 * n_items))


def mask_entries(scores: FloatArray, rows: sp.csr_matrix) -> None:
    """Set ``scores[r, c] = -inf`` for every stored entry (r, c) of ``rows`` (aligned rows)."""
    if rows.nnz == 0:
        return
    counts = np.diff(rows.indptr)
    r = np.repeat(np.arange(rows.shape[0]), counts)
    scores[r, rows.indices] = -np.inf


def top_k(scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """The ``k`` best columns per row, best first; missing slots (-inf) are id -1, score -inf.

    Equal scores are ordered by column index, so equal inputs give equal outputs. Large blocks
    are split into row chunks sorted on a thread pool.
    """
    workers = os.cpu_count() or 1
    n = scores.shape[0]
    if workers == 1 or n < PARALLEL_ROWS:
        return _top_k(scores, k)
    bounds = np.linspace(0, n, workers + 1).astype(int)
    chunks = [scores[a:b] for a, b in pairwise(bounds.tolist())]
    parts = list(_pool().map(lambda chunk: _top_k(chunk, k), chunks))
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def _top_k(scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    n, m = scores.shape
    out_ids = np.full((n, k), -1, dtype=np.int64)
    out_scores = np.full((n, k), -np.inf, dtype=np.float32)
    kk = min(k, m)
    if kk == 0 or n == 0:
        return out_ids, out_scores
    if kk < m:
        part = np.argpartition(scores, m - kk, axis=1)[:, m - kk :]
    else:
        part = np.broadcast_to(np.arange(m), (n, m)).copy()
    part_scores = np.take_along_axis(scores, part, axis=1)
    # Descending by score; among equal scores, the smaller item index first.
    order = np.lexsort((part, -part_scores), axis=1)
    ids = np.take_along_axis(part, order, axis=1)
    best = np.take_along_axis(part_scores, order, axis=1)
    missing = ~np.isfinite(best)
    ids[missing] = -1
    out_ids[:, :kk] = ids
    out_scores[:, :kk] = np.where(missing, -np.inf, best)
    return out_ids, out_scores
