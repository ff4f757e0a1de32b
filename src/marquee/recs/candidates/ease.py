"""EASE (Steck, 2019): a closed-form item-item model, B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹.

Computed in float32 with a Cholesky factorisation and its inverse (LAPACK ``potrf``/``potri``);
scores are sparse histories × the dense B. λ (``l2``) is tuned on validation by the harness.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from marquee.recs.candidates.base import FloatArray, IntArray, ParamValue, Recommender, State
from marquee.recs.data import Interactions
from marquee.recs.errors import InvalidDataError


class EASE(Recommender):
    """Embarrassingly shallow autoencoder; ``binary`` trains on 0/1 instead of confidences."""

    name = "ease"
    search_space: ClassVar[dict[str, list[ParamValue]]] = {
        "l2": [50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0]
    }

    def __init__(self, *, l2: float = 400.0, binary: bool = True) -> None:
        super().__init__(l2=l2, binary=binary)
        if l2 <= 0:
            raise InvalidDataError("ease.l2", "must be positive")
        self.l2, self.binary = l2, binary
        self._b = np.zeros((0, 0), dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        x = interactions.binary() if self.binary else interactions.matrix
        gram = np.asarray((x.T @ x).todense(), dtype=np.float32)
        gram[np.diag_indices_from(gram)] += np.float32(self.l2)
        self._b = ease_weights(gram)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        h = (histories > 0).astype(np.float32) if self.binary else histories
        return np.asarray(h @ self._b, dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.array(self._b[item_ids], dtype=np.float32)

    def _state(self) -> State:
        return {"b": self._b}

    def _restore(self, state: State) -> None:
        self._b = state["b"]


def ease_weights(gram: FloatArray) -> FloatArray:
    """B from the regularised Gram matrix, overwriting it to keep peak memory at one n×n copy."""
    n = gram.shape[0]
    if n == 0:
        return gram
    potrf, potri = sla.lapack.get_lapack_funcs(("potrf", "potri"), (gram,))
    chol, info = potrf(gram, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise InvalidDataError("ease", f"Gram matrix is not positive definite (potrf info={info})")
    inv, info = potri(chol, lower=False, overwrite_c=True)
    if info != 0:
        raise InvalidDataError("ease", f"inverse failed (potri info={info})")
    # potri fills the upper triangle only; mirror it.
    upper = np.triu(inv)
    p = upper + np.triu(upper, 1).T
    diag = np.diag(p).copy()
    p /= -diag[None, :]
    p[np.diag_indices(n)] = 0.0
    return np.ascontiguousarray(p, dtype=np.float32)
