"""iALS (Hu, Koren & Volinsky, 2008) through the ``implicit`` library's CPU solver.

As the library advises, its BLAS thread pool is limited to one thread while it fits (its own
threads do the parallel work); scoring uses the normal BLAS threads for the dense products.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from marquee.recs.candidates.base import FloatArray, IntArray, ParamValue, Recommender, State
from marquee.recs.data import Interactions


def _solver(cg_steps: int, **params: Any) -> Any:
    from implicit.cpu.als import AlternatingLeastSquares

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(**params)
    # Conjugate-gradient steps per solve: a plain attribute of implicit's model, not an argument.
    model.cg_steps = cg_steps
    return model


class IALS(Recommender):
    """Implicit ALS: confidence = ``alpha`` × weight (1 when ``binary``), ``factors`` dims."""

    name = "ials"
    # implicit's regularisation is not scaled by counts: MovieLens-sized data wants it large.
    search_space: ClassVar[dict[str, list[ParamValue]]] = {
        "factors": [64, 200],
        "regularization": [10.0, 30.0, 100.0],
        "alpha": [2.0, 5.0, 15.0],
    }

    def __init__(
        self,
        *,
        factors: int = 128,
        regularization: float = 30.0,
        alpha: float = 5.0,
        iterations: int = 15,
        binary: bool = True,
        seed: int = 42,
        threads: int = 0,
        cg_steps: int = 3,
    ) -> None:
        super().__init__(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            binary=binary,
            seed=seed,
            threads=threads,
            cg_steps=cg_steps,
        )
        self.binary, self.cg_steps = binary, cg_steps
        self._solver_params: dict[str, Any] = {
            "factors": factors,
            "regularization": regularization,
            "alpha": alpha,
            "iterations": iterations,
            "random_state": seed,
            "num_threads": threads,
            "calculate_training_loss": False,
        }
        self._user_factors = np.zeros((0, factors), dtype=np.float32)
        self._item_factors = np.zeros((0, factors), dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        x = interactions.binary() if self.binary else interactions.matrix
        model = _solver(self.cg_steps, **self._solver_params)
        with threadpool_limits(1, "blas"):
            model.fit(sp.csr_matrix(x, dtype=np.float32), show_progress=False)
        self._user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self._item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)

    def _fold_in(self, histories: sp.csr_matrix) -> FloatArray:
        """Solve each user's factors against the fixed item factors (implicit's recalculation)."""
        model = _solver(self.cg_steps, **self._solver_params)
        model.item_factors = self._item_factors
        model.user_factors = np.zeros((1, self._item_factors.shape[1]), dtype=np.float32)
        rows = (histories > 0).astype(np.float32) if self.binary else histories
        with threadpool_limits(1, "blas"):
            factors = model.recalculate_user(np.arange(rows.shape[0]), sp.csr_matrix(rows))
        return np.asarray(factors, dtype=np.float32)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        known = (user_ids >= 0) & (user_ids < self._user_factors.shape[0])
        if folded or not known.all():
            users = self._fold_in(histories)
        else:
            users = self._user_factors[user_ids]
        return np.asarray(users @ self._item_factors.T, dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        norms = np.linalg.norm(self._item_factors, axis=1) + 1e-9
        unit = self._item_factors / norms[:, None]
        return np.asarray(unit[item_ids] @ unit.T, dtype=np.float32)

    def _state(self) -> State:
        return {"user_factors": self._user_factors, "item_factors": self._item_factors}

    def _restore(self, state: State) -> None:
        self._user_factors = state["user_factors"]
        self._item_factors = state["item_factors"]
