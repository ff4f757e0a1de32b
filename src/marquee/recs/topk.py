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
    n, m = scores.shape
    if not scores.flags.c_contiguous:
        scores[np.repeat(np.arange(n), np.diff(rows.indptr)), rows.indices] = -np.inf
        return
    # Flat positions: one 1-D scatter, measured faster than indexing by (row, column) pairs.
    flat = np.repeat(np.arange(0, n * m, m, dtype=np.int64), np.diff(rows.indptr))
    flat += rows.indices
    scores.reshape(-1)[flat] = -np.inf


def top_k(scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """The ``k`` best columns per row, best first; missing slots (-inf) are id -1, score -inf.

    Equal scores are ordered by column index, so equal inputs give equal outputs. Rows go
    through in chunks of about ``CACHE_BYTES``, each selected while it sits in cache: the scan
    of the hit groups reads one cache line per member, a miss on a whole block. All in the
    calling thread: a thread pool measured slower right after a multi-threaded BLAS product,
    and so did a worker thread that computes the next chunk's group maxima meanwhile.
    Scores are selected as float32, the type the keys of the sort hold.
    """
    block: FloatArray = np.ascontiguousarray(scores, dtype=np.float32)
    n, m = block.shape
    out_ids, out_scores = _empty(n, k)
    kk = min(k, m)
    if kk == 0:
        return out_ids, out_scores
    # A chunk's rows and columns share the 32 bits the sort keys leave beside the score.
    col_bits = int(m - 1).bit_length()
    step = max(1, min(CACHE_BYTES // (block.itemsize * m), 1 << (32 - col_bits)))
    for start in range(0, n, step):
        chunk = block[start : start + step]
        end = start + chunk.shape[0]
        ids, out = out_ids[start:end, :kk], out_scores[start:end, :kk]
        _rank(chunk, *_candidates(chunk, kk), ids=ids, out=out)
    return out_ids, out_scores


def _rank(
    chunk: FloatArray,
    rows: IntArray,
    cols: IntArray,
    values: FloatArray,
    *,
    ids: IntArray,
    out: FloatArray,
) -> None:
    """Write each row's best ``ids.shape[1]`` candidates, by score descending then column.

    One in-place sort of unique keys (row, score descending, column) packed in 64 bits,
    measured faster than ``argsort``.
    """
    n, m = chunk.shape
    kk = ids.shape[1]
    col_bits = int(m - 1).bit_length()
    keys = rows.view(np.uint64) << np.uint64(32 + col_bits)
    keys |= _descending(values) << np.uint64(col_bits)
    keys |= cols.view(np.uint64)
    if keys.shape[0] == 0:  # NaN everywhere: nothing reaches a threshold
        return
    # Keys are unique, so any sort gives the same order; the stable one (timsort) measured
    # about 4x faster here, as the candidates come already grouped by row.
    keys.sort(kind="stable")
    # Rows are contiguous in the sorted keys and each holds at least kk candidates (see
    # ``_candidates``), so a row's best are the kk keys from its first.
    counts = np.bincount(rows, minlength=n)
    first = np.cumsum(counts) - counts
    slots = np.minimum(first[:, None] + np.arange(kk), keys.shape[0] - 1)
    best = (keys[slots] & np.uint64((1 << col_bits) - 1)).view(np.int64)
    # Read back from the scores, not the keys, so that a -0.0 stays -0.0; flat positions
    # measured faster than ``take_along_axis``.
    best_values = chunk.reshape(-1)[best + np.arange(0, n * m, m)[:, None]]
    # NaN scores can leave a row short of candidates; those slots stay empty.
    found = np.isfinite(best_values) & (np.arange(kk) < counts[:, None])
    np.copyto(ids, best, where=found)
    np.copyto(out, best_values, where=found)


def _descending(values: FloatArray) -> npt.NDArray[np.uint64]:
    """32-bit keys that sort float32 values from largest to smallest (IEEE bit trick)."""
    # Adding +0.0 turns -0.0 into +0.0, so the two zeros tie as they compare equal.
    bits = (values + np.float32(0.0)).view(np.uint32)
    # Non-negative values: flip all but the sign bit, so larger comes first; negative ones
    # (sign bit set, after all others) already order larger first.
    flip = ((bits >> np.uint32(31)) - np.uint32(1)) >> np.uint32(1)
    return (bits ^ flip).astype(np.uint64)


def _candidates(chunk: FloatArray, k: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Rows, columns and values of the scores at or above a per-row threshold.

    Each row's threshold keeps its top k, and at least k scores reach it: see the module
    docstring.
    """
    n, m = chunk.shape
    groups = m // GROUP
    if groups < 2 * k:  # too few groups for a useful bound: the exact k-th largest
        threshold = np.partition(chunk, m - k, axis=1)[:, m - k]
        flat = np.flatnonzero(chunk >= threshold[:, None])
        return *np.divmod(flat, m), chunk.reshape(-1)[flat]
    by_group = _by_group(chunk, groups)
    maxima: FloatArray = by_group.max(axis=1)
    threshold = _kth_bound(chunk, maxima, k)
    # Only groups whose maximum reaches the threshold hold candidates: read just those.
    rows, hit = np.divmod(np.flatnonzero(maxima >= threshold[:, None]), groups)
    members = by_group[rows, :, hit]
    kept = np.flatnonzero(members >= threshold[rows, None])
    which, member = np.divmod(kept, GROUP)
    rows, cols, values = rows[which], hit[which] + member * groups, members.reshape(-1)[kept]
    if groups * GROUP < m:  # the last m mod GROUP columns: always candidates
        left = np.arange(groups * GROUP, m)
        rows = np.concatenate([rows, np.repeat(np.arange(n), left.shape[0])])
        cols = np.concatenate([cols, np.tile(left, n)])
        values = np.concatenate([values, chunk[:, groups * GROUP :].reshape(-1)])
    return rows, cols, values


def _by_group(block: FloatArray, groups: int) -> FloatArray:
    """A view ``[row, j, g]`` of column ``g + j·groups``: group g of each row as a column.

    This partition of the columns reduces ``GROUP`` contiguous slices elementwise (SIMD),
    where contiguous groups would reduce many short rows. A strided view: no copy of the block.
    """
    row_stride, col_stride = block.strides
    view: FloatArray = np.lib.stride_tricks.as_strided(
        block,
        (block.shape[0], GROUP, groups),
        (row_stride, groups * col_stride, col_stride),
        writeable=False,
    )
    return view


def _kth_bound(chunk: FloatArray, maxima: FloatArray, k: int) -> FloatArray:
    """Per row, a value that at least k scores reach: the k-th largest of disjoint group maxima.

    Any disjoint groups give a valid bound; the maxima of ``SUPER`` groups at a time are cheaper
    to partition and, for k ≪ groups, lower the bound only a little (few extra candidates).
    """
    n, groups = maxima.shape
    supers = groups // SUPER if groups // SUPER >= 2 * k else 0
    left = chunk.shape[1] - groups * GROUP
    bound = np.empty((n, supers + groups - supers * SUPER + (left > 0)), dtype=np.float32)
    if supers:
        view = np.lib.stride_tricks.as_strided(
            maxima, (n, SUPER, supers), (maxima.strides[0], supers * 4, 4), writeable=False
        )
        view.max(axis=1, out=bound[:, :supers])
    bound[:, supers : supers + groups - supers * SUPER] = maxima[:, supers * SUPER :]
    if left:
        chunk[:, groups * GROUP :].max(axis=1, out=bound[:, -1])
    g = bound.shape[1]
    bound.partition(g - k, axis=1)
    threshold: FloatArray = bound[:, g - k]
    return threshold


def _empty(n: int, k: int) -> tuple[IntArray, FloatArray]:
    return np.full((n, k), -1, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32)
