"""Two-tower retrieval model (the ``torch`` extra): a user tower over recent history and profile
segment, an item tower over ids and content tokens, trained with sampled softmax over in-batch
negatives and the log-Q correction (see ``two_tower_net.py``).

Scoring is numpy: users' embeddings times the exported item embeddings, so the same vectors can
go to an approximate nearest-neighbour index (``recs/ann.py``) for retrieval at scale.
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from marquee.recs.ann import VectorIndex, make_index
from marquee.recs.candidates.base import (
    FloatArray,
    IntArray,
    ParamValue,
    Recommender,
    State,
    csr_from_state,
    csr_state,
)
from marquee.recs.candidates.content import item_vectors
from marquee.recs.data import Interactions
from marquee.recs.errors import InvalidDataError

INSTALL_HINT = "install the torch extra: pip install 'marquee[torch]' (CPU: torch==2.13.0)"


def has_torch() -> bool:
    """The capability flag: whether the two-tower model can be built here."""
    return importlib.util.find_spec("torch") is not None


def _net() -> Any:
    if not has_torch():
        raise InvalidDataError("two_tower", f"torch is not installed; {INSTALL_HINT}")
    from marquee.recs.candidates import two_tower_net

    return two_tower_net


class TwoTower(Recommender):
    """User tower over the ``history`` most recent items; item tower over ids and item text.

    ``item_text`` (``item_id, text``, as for Content) is optional: without it the item tower
    sees ids only. Training uses ``threads`` torch threads (default 1: the per-step tensors are
    small, and on a shared 2-core machine one thread ran three times faster than two).
    """

    name = "two_tower"
    uses_item_text = True
    # More epochs overfit the id embeddings on MovieLens-sized data (ml-100k msr-item:
    # nDCG@10 0.438 after 10 epochs, 0.328 after 25), so the epoch count is what is tuned.
    search_space: ClassVar[dict[str, list[ParamValue]]] = {"epochs": [5, 10, 20]}

    def __init__(
        self,
        *,
        dim: int = 64,
        history: int = 30,
        epochs: int = 10,
        batch_size: int = 1024,
        lr: float = 0.005,
        temperature: float = 0.05,
        weight_decay: float = 0.0,
        min_df: int = 2,
        seed: int = 42,
        threads: int = 1,
        item_text: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(
            dim=dim,
            history=history,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            temperature=temperature,
            weight_decay=weight_decay,
            min_df=min_df,
            seed=seed,
            threads=threads,
        )
        if min(dim, history, epochs, batch_size) < 1 or lr <= 0 or temperature <= 0:
            raise InvalidDataError("two_tower", "sizes, lr and temperature must be positive")
        _net()  # fail at construction, with the install hint, when torch is missing
        self.dim, self.history, self.min_df = dim, history, min_df
        self.seed, self.threads = seed, threads
        self._train_options = {
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": lr,
            "temperature": temperature,
            "weight_decay": weight_decay,
        }
        self.item_text = item_text
        self._net: Any = None
        self._tokens = sp.csr_matrix((0, 0), dtype=np.float32)
        self._recent = np.zeros((0, history), dtype=np.int64)
        self._segments = np.zeros(0, dtype=np.int64)
        self._item_emb = np.zeros((0, dim), dtype=np.float32)
        self.losses: list[float] = []

    # -- embeddings, for the ANN index -----------------------------------------------------

    def item_embeddings(self) -> FloatArray:
        """Unit-length item vectors; a user's score for an item is their inner product."""
        self._require_fitted()
        return self._item_emb

    def user_embeddings(
        self, user_ids: IntArray, histories: sp.csr_matrix | None = None
    ) -> FloatArray:
        """Unit-length user vectors from training history, or from ``histories`` (fold-in)."""
        self._require_fitted()
        ids = np.asarray(user_ids, dtype=np.int64).ravel()
        known = (ids >= 0) & (ids < self._recent.shape[0])
        if histories is None and known.all():
            recent, segments = self._recent[ids], self._segments[ids]
        else:
            rows = self._histories(ids) if histories is None else sp.csr_matrix(histories)
            recent = _recent_items(rows, None, self.history, self.n_items)
            segments = np.where(known, self._segments[np.where(known, ids, 0)], -1)
        return _net().user_embeddings(self._net, recent, segments)  # type: ignore[no-any-return]

    def build_index(self, kind: str = "auto", **options: Any) -> VectorIndex:
        """An ANN index over the item embeddings (faiss HNSW by default, exact without faiss)."""
        return make_index(kind, **options).build(self.item_embeddings())

    def retrieve(
        self, index: VectorIndex, user_ids: npt.ArrayLike, k: int, *, exclude_seen: bool = True
    ) -> tuple[IntArray, FloatArray]:
        """Top ``k`` per user from ``index`` (built by :meth:`build_index`), seen items removed.

        Unlike :meth:`recommend`, users without history are not served popularity: their vector
        comes from their segment alone.
        """
        ids = np.asarray(user_ids, dtype=np.int64).ravel()
        exclude = self._histories(ids) if exclude_seen else None
        return index.search(self.user_embeddings(ids), k, exclude=exclude)

    # -- the model interface -----------------------------------------------------------------

    def _fit(self, interactions: Interactions) -> None:
        import torch

        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            torch.manual_seed(self.seed)
            self._train_net(interactions)
        finally:
            torch.set_num_threads(previous)

    def _train_net(self, interactions: Interactions) -> None:
        net_module = _net()
        self._tokens = self._content(interactions)
        self._net = self._build(self._tokens)
        self._recent = _recent_items(
            interactions.matrix,
            interactions.timestamps,
            self.history,
            interactions.n_items,
        )
        self._segments = (
            interactions.user_segments.astype(np.int64)
            if interactions.user_segments is not None
            else np.full(interactions.n_users, -1, dtype=np.int64)
        )
        coo = interactions.matrix.tocoo()
        config = net_module.TrainConfig(**self._train_options, seed=self.seed)
        pairs = (coo.row.astype(np.int64), coo.col.astype(np.int64))
        self.losses = net_module.train(self._net, self._recent, self._segments, pairs, config)
        self._item_emb = net_module.item_embeddings(self._net)

    def _content(self, interactions: Interactions) -> sp.csr_matrix:
        if self.item_text is None:
            return sp.csr_matrix((interactions.n_items, 0), dtype=np.float32)
        return item_vectors(self.item_text, interactions.items, min_df=self.min_df)

    def _build(self, tokens: sp.csr_matrix) -> Any:
        net_module = _net()
        shape = net_module.NetShape(n_items=tokens.shape[0], n_tokens=tokens.shape[1], dim=self.dim)
        return net_module.TwoTowerNet(shape, tokens)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        users = self.user_embeddings(user_ids, histories if folded else None)
        return np.asarray(users @ self._item_emb.T, dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.asarray(self._item_emb[item_ids] @ self._item_emb.T, dtype=np.float32)

    def _state(self) -> State:
        state: State = {f"net.{k}": v for k, v in _net().state_arrays(self._net).items()}
        state.update(csr_state("tokens", self._tokens))
        state.update(
            {"recent": self._recent, "segments": self._segments, "item_emb": self._item_emb}
        )
        return state

    def _restore(self, state: State) -> None:
        self._tokens = csr_from_state("tokens", state)
        self._net = self._build(self._tokens)
        prefix = "net."
        weights = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        _net().load_arrays(self._net, weights)
        self._recent, self._segments = state["recent"], state["segments"]
        self._item_emb = state["item_emb"]


def _recent_items(
    matrix: sp.csr_matrix, timestamps: IntArray | None, length: int, n_items: int
) -> IntArray:
    """Each row's ``length`` latest items (by timestamp, else by column), padded with n_items."""
    rows = sp.csr_matrix(matrix)
    counts = np.diff(rows.indptr)
    out = np.full((rows.shape[0], length), n_items, dtype=np.int64)
    if rows.nnz == 0:
        return out
    row_of = np.repeat(np.arange(rows.shape[0]), counts)
    stamps = timestamps if timestamps is not None else np.zeros(rows.nnz, dtype=np.int64)
    # Newest first within each row; the column breaks ties so the order is deterministic.
    order = np.lexsort((-rows.indices, -stamps, row_of))
    rank = np.arange(rows.nnz) - np.repeat(rows.indptr[:-1], counts)
    keep = rank < length
    out[row_of[keep], rank[keep]] = rows.indices[order][keep]
    return out
