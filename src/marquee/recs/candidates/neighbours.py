"""Item-to-item models: ItemKNN (shrunk cosine, top-N kept sparse) and SAR (Jaccard, decayed).

SAR follows Microsoft Recommenders' ``SARSingleNode`` as used in their ``sar_movielens``
notebook: affinity = rating × 2^(-(t_max − t) / half-life), item similarity = Jaccard of
co-occurrence counts, score = affinity · similarity (re-implemented, not copied).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from marquee.recs.candidates.base import (
    FloatArray,
    IntArray,
    ParamValue,
    Recommender,
    State,
    csr_from_state,
    csr_state,
)
from marquee.recs.data import SECONDS_PER_DAY, Interactions

_COLUMN_BLOCK = 2048


def _weights(interactions: Interactions, binary: bool) -> sp.csr_matrix:
    return interactions.binary() if binary else interactions.matrix


class ItemKNN(Recommender):
    """cos(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrink); each item keeps its ``neighbours`` best."""

    name = "itemknn"
    search_space: ClassVar[dict[str, list[ParamValue]]] = {
        "neighbours": [50, 100, 200, 400],
        "shrink": [0.0, 10.0, 50.0],
    }

    def __init__(self, *, neighbours: int = 100, shrink: float = 10.0, binary: bool = True) -> None:
        super().__init__(neighbours=neighbours, shrink=shrink, binary=binary)
        self.neighbours, self.shrink, self.binary = neighbours, shrink, binary
        self._sim = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        x = sp.csc_matrix(_weights(interactions, self.binary), dtype=np.float32)
        n = interactions.n_items
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0), dtype=np.float32).ravel())
        keep = min(self.neighbours, max(n - 1, 1))
        rows, cols, vals = [], [], []
        xt = sp.csr_matrix(x.T)
        for start in range(0, n, _COLUMN_BLOCK):
            block = np.arange(start, min(n, start + _COLUMN_BLOCK))
            dots = np.asarray((xt @ x[:, block]).todense(), dtype=np.float32)
            sims = dots / (np.outer(norms, norms[block]) + self.shrink + 1e-9)
            sims[block, np.arange(block.shape[0])] = 0.0
            top = np.argpartition(-sims, keep - 1, axis=0)[:keep] if keep < n else None
            idx = top if top is not None else np.tile(np.arange(n)[:, None], (1, block.shape[0]))
            best = np.take_along_axis(sims, idx, axis=0)
            nz = best > 0
            rows.append(idx[nz])
            cols.append(np.broadcast_to(block, idx.shape)[nz])
            vals.append(best[nz])
        # sim[i, j]: how much having seen i speaks for j (j's neighbour list holds i).
        self._sim = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n, n),
            dtype=np.float32,
        )

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        h = histories if not self.binary else (histories > 0).astype(np.float32)
        return np.asarray((h @ self._sim).todense(), dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.asarray(self._sim[:, item_ids].T.todense(), dtype=np.float32)

    def _state(self) -> State:
        return csr_state("sim", self._sim)

    def _restore(self, state: State) -> None:
        self._sim = csr_from_state("sim", state)


class SAR(Recommender):
    """Simple Algorithm for Recommendation: time-decayed affinity × Jaccard item similarity."""

    name = "sar"
    search_space: ClassVar[dict[str, list[ParamValue]]] = {"half_life_days": [30.0, 365.0, 0.0]}

    def __init__(
        self, *, similarity: str = "jaccard", half_life_days: float = 30.0, threshold: int = 1
    ) -> None:
        super().__init__(similarity=similarity, half_life_days=half_life_days, threshold=threshold)
        if similarity not in ("jaccard", "lift", "cooccurrence"):
            raise ValueError("similarity must be jaccard, lift or cooccurrence")
        self.similarity, self.half_life_days, self.threshold = similarity, half_life_days, threshold
        self._sim = sp.csr_matrix((0, 0), dtype=np.float32)
        self._affinity = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        affinity = interactions.matrix.copy()
        stamps = interactions.timestamps
        if self.half_life_days > 0 and stamps.size and stamps.max() > 0:
            age = (stamps.max() - stamps) / (self.half_life_days * SECONDS_PER_DAY)
            affinity.data = (affinity.data * np.power(0.5, age)).astype(np.float32)
        self._affinity = sp.csr_matrix(affinity, dtype=np.float32)
        hits = interactions.binary()
        co = sp.csr_matrix(hits.T @ hits, dtype=np.float32)
        co.data[co.data < self.threshold] = 0.0
        co.eliminate_zeros()
        diag = co.diagonal()
        coo = co.tocoo()
        if self.similarity == "jaccard":
            coo.data = coo.data / (diag[coo.row] + diag[coo.col] - coo.data)
        elif self.similarity == "lift":
            coo.data = coo.data / (diag[coo.row] * diag[coo.col])
        self._sim = sp.csr_matrix(coo, dtype=np.float32)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        known = (user_ids >= 0) & (user_ids < self._affinity.shape[0])
        # Fold-in histories carry no timestamps: they are taken as current.
        rows = histories if folded or not known.all() else self._affinity[user_ids]
        return np.asarray((rows @ self._sim).todense(), dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.asarray(self._sim[item_ids].todense(), dtype=np.float32)

    def _state(self) -> State:
        return {**csr_state("sim", self._sim), **csr_state("affinity", self._affinity)}

    def _restore(self, state: State) -> None:
        self._sim = csr_from_state("sim", state)
        self._affinity = csr_from_state("affinity", state)
