"""Full-ranking metrics at K over top-K id arrays, vectorised over users.

Accuracy metrics follow Microsoft Recommenders' ``python_evaluation`` (binary relevance; every
held-out row is relevant; users averaged with equal weight):

* precision@K = hits / K, recall@K = hits / |relevant|;
* nDCG@K = Σ hitᵣ / log(1 + r) over ranks r ≤ K, divided by the ideal Σ_{r ≤ min(|rel|, K)}
  1 / log(1 + r) (their ``ndcg_at_k`` with ``score_type="binary"``; the log base cancels);
* MAP@K = Σ_{hits} (hits so far / r) / min(|rel|, K) — their current ``map_at_k``;
  ``map_legacy`` divides by |rel| instead, as their ``map`` and their older ``map_at_k`` (the
  version behind their published ml-100k table) do;
* MRR@K = 1 / rank of the first hit (0 without one); hit@K = 1 if any hit.

Relevant rows outside the ranking universe still count in |relevant| (they cannot be hit), as in
the reference, where the truth table is not filtered to known items. RecBole's definitions of
recall, NDCG, precision and MRR agree with these. Beyond accuracy: catalog coverage (share of
items recommended to anyone), Gini of exposure over all items, novelty (mean −log₂ of an item's
share of training users) and, where items have genres, intra-list diversity (per list the mean
over item pairs of 1 − Jaccard of their genre sets, pairs with a genre-less item skipped; users
averaged with equal weight over lists holding at least one such pair).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

ACCURACY = ("precision", "recall", "ndcg", "map", "map_legacy", "mrr", "hit")


def hit_matrix(recs: IntArray, relevant: sp.csr_matrix) -> npt.NDArray[np.bool_]:
    """``hits[u, r]`` is true when the item at rank r+1 for row u is relevant to row u."""
    n, k = recs.shape
    m = relevant.shape[1]
    rel = sp.csr_matrix(relevant)
    rel.sum_duplicates()
    rel.sort_indices()
    counts = np.diff(rel.indptr)
    keys = np.repeat(np.arange(n, dtype=np.int64), counts) * m + rel.indices.astype(np.int64)
    wanted = np.arange(n, dtype=np.int64)[:, None] * m + recs
    pos = np.searchsorted(keys, wanted)
    found = np.zeros((n, k), dtype=bool)
    inside = pos < keys.shape[0]
    found[inside] = keys[pos[inside]] == wanted[inside]
    return found & (recs >= 0)


def accuracy_at(hits: npt.NDArray[np.bool_], n_relevant: IntArray, k: int) -> dict[str, float]:
    """Mean accuracy metrics at ``k`` over users with at least one relevant row."""
    users = n_relevant > 0
    h = hits[users, :k].astype(np.float64)
    n_rel = n_relevant[users].astype(np.float64)
    if h.shape[0] == 0:
        return dict.fromkeys(ACCURACY, 0.0)
    ranks = np.arange(1, h.shape[1] + 1, dtype=np.float64)
    discount = 1.0 / np.log1p(ranks)
    ideal_cum = np.cumsum(1.0 / np.log1p(np.arange(1, k + 1, dtype=np.float64)))
    ideal = ideal_cum[np.minimum(n_rel, k).astype(np.int64) - 1]
    n_hits = h.sum(axis=1)
    precision_at_rank = np.cumsum(h, axis=1) / ranks
    ap_sum = (precision_at_rank * h).sum(axis=1)
    first = np.where(h.any(axis=1), h.argmax(axis=1) + 1, 0)
    return {
        "precision": float(np.mean(n_hits / k)),
        "recall": float(np.mean(n_hits / n_rel)),
        "ndcg": float(np.mean((h * discount).sum(axis=1) / ideal)),
        "map": float(np.mean(ap_sum / np.minimum(n_rel, k))),
        "map_legacy": float(np.mean(ap_sum / n_rel)),
        "mrr": float(np.mean(np.where(first > 0, 1.0 / np.maximum(first, 1), 0.0))),
        "hit": float(np.mean(n_hits > 0)),
    }


def exposure(recs: IntArray, n_items: int, k: int) -> IntArray:
    """How many lists each item appears in, within the top ``k``."""
    top = recs[:, :k]
    return np.bincount(top[top >= 0], minlength=n_items).astype(np.int64)


def coverage(recs: IntArray, n_items: int, k: int) -> float:
    """Share of the catalog recommended to at least one user at ``k``."""
    return float((exposure(recs, n_items, k) > 0).sum() / max(n_items, 1))


def gini(recs: IntArray, n_items: int, k: int) -> float:
    """Gini coefficient of exposure over all items (0 = even, → 1 = all on one item)."""
    counts = np.sort(exposure(recs, n_items, k)).astype(np.float64)
    total = counts.sum()
    if total == 0 or n_items == 0:
        return 0.0
    index = np.arange(1, n_items + 1, dtype=np.float64)
    return float(((2 * index - n_items - 1) * counts).sum() / (n_items * total))


def novelty(recs: IntArray, item_users: IntArray, n_users: int, k: int) -> float:
    """Mean self-information −log₂(share of training users) of recommended items."""
    top = recs[:, :k]
    items = top[top >= 0]
    if items.size == 0 or n_users == 0:
        return 0.0
    share = np.maximum(item_users[items], 1) / n_users
    return float(np.mean(-np.log2(share)))


def diversity(recs: IntArray, genres: npt.NDArray[np.bool_], k: int, *, chunk: int = 2048) -> float:
    """Mean intra-list genre dissimilarity of the top ``k`` (``genres``: items × genres flags)."""
    total, lists = 0.0, 0
    sizes = genres.sum(axis=1).astype(np.float64)
    flags = genres.astype(np.float32)
    for start in range(0, recs.shape[0], chunk):
        top = recs[start : start + chunk, :k]
        safe = np.maximum(top, 0)
        usable = (top >= 0) & (sizes[safe] > 0)
        rows = flags[safe] * usable[..., None]  # (users, k, genres)
        inter = np.einsum("ukg,ulg->ukl", rows, rows, dtype=np.float64)
        size = sizes[safe] * usable
        union = size[:, :, None] + size[:, None, :] - inter
        pair = usable[:, :, None] & usable[:, None, :] & ~np.eye(top.shape[1], dtype=bool)
        dissimilar = np.where(pair, 1.0 - inter / np.where(pair, union, 1.0), 0.0)
        n_pairs = pair.sum(axis=(1, 2))
        has = n_pairs > 0
        total += float((dissimilar.sum(axis=(1, 2))[has] / n_pairs[has]).sum())
        lists += int(has.sum())
    return total / lists if lists else 0.0


def evaluate_lists(
    recs: IntArray,
    relevant: sp.csr_matrix,
    n_relevant: IntArray,
    *,
    ks: list[int],
    item_users: IntArray,
    n_train_users: int,
    genres: npt.NDArray[np.bool_] | None = None,
) -> dict[str, float]:
    """Every metric at every K, keyed ``"ndcg@10"``, ``"coverage@10"`` and so on.

    ``diversity@K`` is present only when ``genres`` (items × genres flags) is given.
    """
    hits = hit_matrix(recs, relevant)
    out: dict[str, float] = {}
    for k in ks:
        for metric, value in accuracy_at(hits, n_relevant, k).items():
            out[f"{metric}@{k}"] = value
        out[f"coverage@{k}"] = coverage(recs, relevant.shape[1], k)
        out[f"gini@{k}"] = gini(recs, relevant.shape[1], k)
        out[f"novelty@{k}"] = novelty(recs, item_users, n_train_users, k)
        if genres is not None:
            out[f"diversity@{k}"] = diversity(recs, genres, k)
    return out
