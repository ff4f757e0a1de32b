"""The one model interface (after the ``implicit`` library): fit, batch recommend, similar items.

Every model scores a block of users densely; this base class masks seen and excluded items,
takes the top K with a partial sort, serves users without history from popularity, and saves
to ``model.npz`` + ``model.json`` (no pickle). Ids here are contiguous indices of the snapshot.
"""

from __future__ import annotations

import abc
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from marquee.recs.data import IdMap, Interactions
from marquee.recs.errors import InvalidDataError, UnknownModelError
from marquee.recs.topk import block_rows, mask_entries, top_k

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
ParamValue = int | float | str | bool | None
State = dict[str, npt.NDArray[Any]]

FORMAT_VERSION = 1
_REGISTRY: dict[str, type[Recommender]] = {}


@dataclass
class ModelVersion:
    """What a fitted model is: its name, parameters, the data snapshot and offline metrics."""

    model: str
    params: dict[str, ParamValue]
    snapshot_id: str
    n_users: int
    n_items: int
    fit_seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    format: int = FORMAT_VERSION


class Recommender(abc.ABC):
    """Base of every candidate model; subclasses implement ``_fit``, ``_scores`` and state."""

    name: ClassVar[str]
    #: Grid searched on validation data by the evaluation harness (may be empty).
    search_space: ClassVar[dict[str, list[ParamValue]]] = {}

    def __init__(self, **params: ParamValue) -> None:
        self.params: dict[str, ParamValue] = params
        self.version: ModelVersion | None = None
        self.users = IdMap(np.zeros(0, dtype=np.int64))
        self.items = IdMap(np.zeros(0, dtype=np.int64))
        self._train = sp.csr_matrix((0, 0), dtype=np.float32)
        self._popularity = np.zeros(0, dtype=np.float32)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            _REGISTRY[cls.name] = cls

    # -- the interface ---------------------------------------------------------------------

    def fit(self, interactions: Interactions) -> Self:
        """Learn from a snapshot; returns self so ``Model().fit(data)`` reads naturally."""
        started = time.perf_counter()
        self.users, self.items = interactions.users, interactions.items
        self._train = interactions.matrix
        # Popularity = number of users per item; the fallback for users without history.
        self._popularity = np.asarray(
            (interactions.matrix > 0).sum(axis=0), dtype=np.float32
        ).ravel()
        self._fit(interactions)
        self.version = ModelVersion(
            model=self.name,
            params=dict(self.params),
            snapshot_id=interactions.snapshot_id,
            n_users=interactions.n_users,
            n_items=interactions.n_items,
            fit_seconds=round(time.perf_counter() - started, 4),
        )
        return self

    def recommend(
        self,
        user_ids: npt.ArrayLike,
        k: int,
        *,
        exclude_seen: bool = True,
        user_items: sp.csr_matrix | None = None,
        exclude: sp.csr_matrix | None = None,
    ) -> tuple[IntArray, FloatArray]:
        """Top ``k`` item indices and scores per user, best first; rows align with ``user_ids``.

        ``user_items`` (rows aligned with ``user_ids``) replaces the training histories — the
        fold-in path for users the model never saw. ``exclude`` masks further items per row.
        Users without any history get popularity. Slots beyond the available items are -1.
        """
        self._require_fitted()
        ids = np.asarray(user_ids, dtype=np.int64).ravel()
        histories = self._histories(ids) if user_items is None else sp.csr_matrix(user_items)
        if histories.shape != (ids.shape[0], self.n_items):
            raise InvalidDataError("user_items", f"expected shape ({ids.shape[0]}, {self.n_items})")
        out_ids = np.full((ids.shape[0], k), -1, dtype=np.int64)
        out_scores = np.full((ids.shape[0], k), -np.inf, dtype=np.float32)
        step = block_rows(self.n_items)
        for start in range(0, ids.shape[0], step):
            rows = slice(start, start + step)
            block = histories[rows]
            scores = self._scores(ids[rows], block, folded=user_items is not None)
            cold = np.diff(block.indptr) == 0
            if cold.any():
                scores[cold] = self._cold_scores(ids[rows][cold])
            if exclude_seen:
                mask_entries(scores, block)
            if exclude is not None:
                mask_entries(scores, sp.csr_matrix(exclude[rows]))
            out_ids[rows], out_scores[rows] = top_k(scores, k)
        return out_ids, out_scores

    def similar_items(self, item_ids: npt.ArrayLike, k: int) -> tuple[IntArray, FloatArray]:
        """The ``k`` items most similar to each query item, never the item itself."""
        self._require_fitted()
        ids = np.asarray(item_ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.n_items):
            raise InvalidDataError("item_ids", f"indices must lie in [0, {self.n_items})")
        out_ids = np.full((ids.shape[0], k), -1, dtype=np.int64)
        out_scores = np.full((ids.shape[0], k), -np.inf, dtype=np.float32)
        step = block_rows(self.n_items)
        for start in range(0, ids.shape[0], step):
            chunk = ids[start : start + step]
            scores = self._item_scores(chunk)
            scores[np.arange(chunk.shape[0]), chunk] = -np.inf
            out_ids[start : start + step], out_scores[start : start + step] = top_k(scores, k)
        return out_ids, out_scores

    def save(self, path: str | Path) -> Path:
        """Write ``model.json`` and ``model.npz`` into the folder ``path``; returns the folder."""
        self._require_fitted()
        assert self.version is not None
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: State = {
            "users": self.users.raw,
            "items": self.items.raw,
            "popularity": self._popularity,
            **csr_state("train", self._train),
        }
        arrays.update({f"model.{key}": value for key, value in self._state().items()})
        np.savez(folder / "model.npz", **arrays)  # type: ignore[arg-type]
        (folder / "model.json").write_text(json.dumps(asdict(self.version), indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, path: str | Path) -> Recommender:
        """Read a folder written by :meth:`save`; ``Recommender.load`` picks the right class."""
        folder = Path(path)
        try:
            meta = json.loads((folder / "model.json").read_text())
            arrays = np.load(folder / "model.npz", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InvalidDataError(str(folder), f"not a saved model ({exc})") from exc
        target = _REGISTRY.get(meta.get("model", ""))
        if target is None:
            raise UnknownModelError(str(folder), f"unknown model {meta.get('model')!r}")
        if cls is not Recommender and not issubclass(target, cls):
            raise InvalidDataError(str(folder), f"holds a {target.name} model, not {cls.name}")
        model = target(**meta["params"])
        model.version = ModelVersion(**meta)
        model.users, model.items = IdMap(arrays["users"]), IdMap(arrays["items"])
        model._popularity = arrays["popularity"]
        model._train = csr_from_state("train", arrays)
        prefix = "model."
        model._restore({k[len(prefix) :]: arrays[k] for k in arrays.files if k.startswith(prefix)})
        return model

    # -- helpers for subclasses -------------------------------------------------------------

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_users(self) -> int:
        return len(self.users)

    def _histories(self, ids: IntArray) -> sp.csr_matrix:
        known = (ids >= 0) & (ids < self._train.shape[0])
        rows = sp.csr_matrix(self._train[np.where(known, ids, 0)], dtype=np.float32)
        if not known.all():
            rows = sp.csr_matrix(sp.diags(known.astype(np.float32)) @ rows, dtype=np.float32)
            rows.eliminate_zeros()
        return rows

    def _cold_scores(self, user_ids: IntArray) -> FloatArray:
        return np.broadcast_to(self._popularity, (user_ids.shape[0], self.n_items))

    def _require_fitted(self) -> None:
        if self.version is None:
            raise InvalidDataError(self.name, "the model is not fitted")

    # -- what each model implements ---------------------------------------------------------

    @abc.abstractmethod
    def _fit(self, interactions: Interactions) -> None: ...

    @abc.abstractmethod
    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        """A fresh, writable float32 block of scores: one row per user, one column per item."""

    @abc.abstractmethod
    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        """A fresh, writable block of item-to-item similarities (one row per query item)."""

    @abc.abstractmethod
    def _state(self) -> State: ...

    @abc.abstractmethod
    def _restore(self, state: State) -> None: ...


def model_class(name: str, *, where: str = "--models") -> type[Recommender]:
    """The registered class called ``name`` (import ``marquee.recs.candidates`` first)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownModelError(where, f"unknown model {name!r} (known: {known})") from None


def registered() -> list[str]:
    return sorted(_REGISTRY)


def csr_state(prefix: str, matrix: sp.csr_matrix) -> State:
    return {
        f"{prefix}.data": matrix.data,
        f"{prefix}.indices": matrix.indices,
        f"{prefix}.indptr": matrix.indptr,
        f"{prefix}.shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def csr_from_state(prefix: str, state: Any) -> sp.csr_matrix:
    shape = tuple(int(v) for v in state[f"{prefix}.shape"])
    parts = (state[f"{prefix}.data"], state[f"{prefix}.indices"], state[f"{prefix}.indptr"])
    return sp.csr_matrix(parts, shape=shape)
