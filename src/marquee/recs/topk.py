"""Batch top-K over dense score blocks: mask, select candidates, then sort only those.

Selection avoids a full ``argpartition`` (which writes an int64 index per score): each row's
columns are cut into groups of ``GROUP`` and the k-th largest maximum ``t`` over disjoint
groups of columns is found; at least k scores are ≥ t (those groups' maxima), so the top k are
among the scores ≥ t, typically a little over k of them. Only the groups whose maximum reaches
``t`` are read again, and the few candidates are sorted exactly with one packed-key sort. Rows
go through in cache-sized chunks, so that second read hits cache.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

# A score block of this many bytes keeps the dense products large enough for BLAS to run near
# its peak (each product repacks the item factors); selection then walks it in CACHE_BYTES.
BLOCK_BYTES = 64 * 1024 * 1024
# Rows are selected in chunks of about this many bytes, which stay in cache (L2/L3) between
# the pass over the group maxima and the scan of the hit groups.
CACHE_BYTES = 4 * 1024 * 1024
# Columns per group for the threshold: smaller groups give a tighter threshold (fewer
# candidates) at the price of more group maxima to partition.
GROUP = 8
# Group maxima taken together for the threshold's partial sort (see ``_kth_bound``).
SUPER = 8


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

    Equal scores are ordered by column index, so equal inputs give equal outputs. Rows go
    through in chunks of about ``CACHE_BYTES``, each selected while it sits in cache: the scan
    of the hit groups reads one cache line per member, a miss on a whole block. All in the
    calling thread: a thread pool measured slower right after a multi-threaded BLAS product.
    """
    step = max(1, CACHE_BYTES // max(1, scores.itemsize * scores.shape[1]))
    if scores.shape[0] <= step:
        return _top_k(scores, k)
    parts = [_top_k(scores[a : a + step], k) for a in range(0, scores.shape[0], step)]
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def _top_k(scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    n, m = scores.shape
    kk = min(k, m)
    out_ids, out_scores = _empty(n, k)
    if kk == 0 or n == 0:
        return out_ids, out_scores
    rows, cols, values = _ranked(scores, *_candidates(scores, kk))
    starts = np.searchsorted(rows, np.arange(n))
    slot = np.arange(rows.shape[0]) - starts[rows]
    keep = (slot < kk) & np.isfinite(values)
    out_ids[rows[keep], slot[keep]] = cols[keep]
    out_scores[rows[keep], slot[keep]] = values[keep]
    return out_ids, out_scores


def _ranked(
    scores: FloatArray, flat: IntArray, values: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Candidates as (row, column, score), by row, then score descending, then column."""
    n, m = scores.shape
    rows, cols = flat // m, flat % m
    col_bits = int(m - 1).bit_length()
    if int(n - 1).bit_length() + 32 + col_bits > 64:  # too wide to pack: two sorts
        by_flat = np.argsort(flat)
        rows, cols, values = rows[by_flat], cols[by_flat], values[by_flat]
        keys = (rows.astype(np.uint64) << np.uint64(32)) | _descending(values)
        order = np.argsort(keys, kind="stable")
        return rows[order], cols[order], values[order]
    # One in-place sort of unique keys (row, score descending, column) packed in 64 bits,
    # measured faster than ``argsort``; row and column come back out of the keys.
    keys = (rows.astype(np.uint64) << np.uint64(32 + col_bits)) | cols.astype(np.uint64)
    keys |= _descending(values) << np.uint64(col_bits)
    keys.sort()
    rows = (keys >> np.uint64(32 + col_bits)).astype(np.int64)
    cols = (keys & np.uint64((1 << col_bits) - 1)).astype(np.int64)
    return rows, cols, np.take(np.ascontiguousarray(scores).reshape(-1), rows * m + cols)


def _descending(values: FloatArray) -> npt.NDArray[np.uint64]:
    """32-bit keys that sort float32 values from largest to smallest (IEEE bit trick)."""
    # Adding +0.0 turns -0.0 into +0.0, so the two zeros tie as they compare equal.
    bits = (np.asarray(values, dtype=np.float32) + np.float32(0.0)).view(np.uint32)
    ascending = np.where(bits >> 31, ~bits, bits | np.uint32(0x80000000))
    return (np.uint32(0xFFFFFFFF) - ascending).astype(np.uint64)


def _candidates(scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """Flat positions and values (in no set order) of the scores at or above a row threshold.

    Each row's threshold keeps its top k: see the module docstring.
    """
    n, m = scores.shape
    groups = m // GROUP
    flat_scores = np.ascontiguousarray(scores).reshape(-1)
    if groups < 2 * k:  # too few groups for a useful bound: the exact k-th largest
        threshold = np.partition(scores, m - k, axis=1)[:, m - k]
        exact: IntArray = np.flatnonzero(scores >= threshold[:, None]).astype(np.int64)
        return exact, np.take(flat_scores, exact)
    maxima = _strided_max(scores, groups, GROUP)
    threshold = _kth_bound(scores, maxima, k)
    # Only groups whose maximum reaches the threshold hold candidates: read just those. Row p
    # of ``members`` is the group starting at flat position p, so one index by the hit
    # groups' start positions reads them all, with no index per member.
    hits = np.flatnonzero(maxima >= threshold[:, None])
    hit_rows = hits // groups
    starts = hits + hit_rows * (m - groups)  # flat position of each hit group's first column
    members = np.lib.stride_tricks.as_strided(
        flat_scores,
        (n * m - (GROUP - 1) * groups, GROUP),
        (flat_scores.itemsize, flat_scores.itemsize * groups),
        writeable=False,
    )
    block = members[starts]
    kept = np.flatnonzero(block >= threshold[hit_rows][:, None])
    hit, member = kept // GROUP, kept % GROUP
    flat, values = starts[hit] + member * groups, block.reshape(-1)[kept]
    if groups * GROUP < m:  # the last m mod GROUP columns: always candidates
        tail = (np.arange(n, dtype=np.int64)[:, None] * m + np.arange(groups * GROUP, m)).ravel()
        flat = np.concatenate([flat, tail])
        values = np.concatenate([values, np.take(flat_scores, tail)])
    return flat, values


def _strided_max(block: FloatArray, groups: int, size: int) -> FloatArray:
    """Per row, the maximum of each group ``g`` = columns g, g + groups, g + 2·groups, ...

    This partition of the columns reduces ``size`` contiguous slices elementwise (SIMD), where
    contiguous groups would reduce many short rows. A strided view: no copy of the block.
    """
    row_stride, col_stride = block.strides
    view = np.lib.stride_tricks.as_strided(
        block,
        (block.shape[0], size, groups),
        (row_stride, groups * col_stride, col_stride),
        writeable=False,
    )
    maxima: FloatArray = view.max(axis=1)
    return maxima


def _kth_bound(scores: FloatArray, maxima: FloatArray, k: int) -> FloatArray:
    """Per row, a value that at least k scores reach: the k-th largest of disjoint group maxima.

    Any disjoint groups give a valid bound; the maxima of ``SUPER`` groups at a time are cheaper
    to partition and, for k ≪ groups, lower the bound only a little (few extra candidates).
    """
    groups = maxima.shape[1]
    supers = groups // SUPER
    parts = [scores[:, groups * GROUP :].max(axis=1, initial=-np.inf)[:, None]]
    if supers >= 2 * k:
        parts += [_strided_max(maxima, supers, SUPER), maxima[:, supers * SUPER :]]
    else:
        parts.append(maxima)
    bound = np.hstack(parts)
    g = bound.shape[1]
    threshold: FloatArray = np.partition(bound, g - k, axis=1)[:, g - k]
    return threshold


def _empty(n: int, k: int) -> tuple[IntArray, FloatArray]:
    return np.full((n, k), -1, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32)
