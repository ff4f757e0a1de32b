"""Batch top-K over dense score blocks: mask, select candidates, then sort only those.

Selection avoids a full ``argpartition`` (which writes an int64 index per score): each row's
columns are cut into groups of ``GROUP`` and the k-th largest group maximum ``t`` is found;
at least k scores are ≥ t (the k groups' maxima), so the top k are among the scores ≥ t,
typically a little over k of them. Those few are then sorted exactly.
"""

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
# Columns per group for the threshold: smaller groups give a tighter threshold (fewer
# candidates) at the price of more group maxima to partition.
GROUP = 8


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
    kk = min(k, m)
    out_ids, out_scores = _empty(n, k)
    if kk == 0 or n == 0:
        return out_ids, out_scores
    flat = np.sort(_candidates(scores, kk))  # by row, then column
    values = np.take(np.ascontiguousarray(scores).reshape(-1), flat)
    rows, cols = flat // m, flat % m
    # One stable sort on (row ascending, score descending); sorted columns break ties.
    keys = (rows.astype(np.uint64) << np.uint64(32)) | _descending(values)
    order = np.argsort(keys, kind="stable")
    rows, cols, values = rows[order], cols[order], values[order]
    starts = np.searchsorted(rows, np.arange(n))
    slot = np.arange(rows.shape[0]) - starts[rows]
    keep = (slot < kk) & np.isfinite(values)
    out_ids[rows[keep], slot[keep]] = cols[keep]
    out_scores[rows[keep], slot[keep]] = values[keep]
    return out_ids, out_scores


def _descending(values: FloatArray) -> npt.NDArray[np.uint64]:
    """32-bit keys that sort float32 values from largest to smallest (IEEE bit trick)."""
    # Adding +0.0 turns -0.0 into +0.0, so the two zeros tie as they compare equal.
    bits = (np.asarray(values, dtype=np.float32) + np.float32(0.0)).view(np.uint32)
    ascending = np.where(bits >> 31, ~bits, bits | np.uint32(0x80000000))
    return (np.uint32(0xFFFFFFFF) - ascending).astype(np.uint64)


def _candidates(scores: FloatArray, k: int) -> IntArray:
    """Flat positions of every score at or above its row's threshold (holds each row's top k)."""
    n, m = scores.shape
    groups = m // GROUP
    if groups < 2 * k:  # too few groups for a useful bound: the exact k-th largest
        threshold = np.partition(scores, m - k, axis=1)[:, m - k]
        return np.flatnonzero(scores >= threshold[:, None]).astype(np.int64)
    # Group g holds columns g, g + groups, g + 2·groups, ...: any partition of the columns
    # gives the bound, and this one reduces GROUP contiguous slices elementwise (SIMD), where
    # contiguous groups would reduce many short rows. A strided view: no copy of the block.
    row_stride, col_stride = scores.strides
    grouped = np.lib.stride_tricks.as_strided(
        scores, (n, GROUP, groups), (row_stride, groups * col_stride, col_stride), writeable=False
    )
    maxima = grouped.max(axis=1)
    tail = np.arange(groups * GROUP, m)  # the last m mod GROUP columns: always candidates
    bound = maxima if tail.size == 0 else np.hstack([maxima, scores[:, tail].max(axis=1)[:, None]])
    g = bound.shape[1]
    threshold = np.partition(bound, g - k, axis=1)[:, g - k]
    # Only groups whose maximum reaches the threshold hold candidates: scan just those, by
    # flat position (``take`` on a flat view is many times faster than 2-d fancy indexing).
    hit_rows, hit_groups = np.nonzero(maxima >= threshold[:, None])
    starts = hit_rows.astype(np.int64) * m + hit_groups
    flat = (starts[:, None] + groups * np.arange(GROUP, dtype=np.int64)[None, :]).ravel()
    if tail.size:
        flat = np.concatenate([flat, (np.arange(n, dtype=np.int64)[:, None] * m + tail).ravel()])
    values = np.take(np.ascontiguousarray(scores).reshape(-1), flat)
    kept: IntArray = flat[values >= np.take(threshold, flat // m)]
    return kept


def _empty(n: int, k: int) -> tuple[IntArray, FloatArray]:
    return np.full((n, k), -1, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32)
