"""Vector indexes for maximum-inner-product retrieval: build, search (with per-row exclusions),
save and load. ``faiss`` (HNSW or IVF-Flat, inner product) when the extra is installed; an
exact numpy index otherwise, which is also the reference that ANN recall is measured against.
"""

from __future__ import annotations

import abc
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from marquee.recs.errors import InvalidDataError
from marquee.recs.topk import block_rows, top_k

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
INSTALL_HINT = "install the torch extra: pip install 'marquee[torch]' (it brings faiss-cpu)"
KINDS = ("auto", "exact", "hnsw", "ivf")


def has_faiss() -> bool:
    """The capability flag: whether the faiss indexes can be built here."""
    return importlib.util.find_spec("faiss") is not None


def _faiss() -> Any:
    if not has_faiss():
        raise InvalidDataError("ann", f"faiss is not installed; {INSTALL_HINT}")
    return importlib.import_module("faiss")


def _vectors(values: npt.ArrayLike, where: str) -> FloatArray:
    array = np.ascontiguousarray(values, dtype=np.float32)
    if array.ndim != 2:
        raise InvalidDataError(where, f"expected a 2-d array, got {array.ndim}-d")
    if not np.isfinite(array).all():
        raise InvalidDataError(where, "holds NaN or infinite values")
    return array


class VectorIndex(abc.ABC):
    """Item vectors searched by inner product; ids are row numbers of the built matrix."""

    kind: ClassVar[str]

    def __init__(self) -> None:
        self.dim = 0
        self.size = 0

    def build(self, vectors: npt.ArrayLike) -> Self:
        array = _vectors(vectors, "ann.vectors")
        self.size, self.dim = array.shape
        self._build(array)
        return self

    def search(
        self, queries: npt.ArrayLike, k: int, *, exclude: sp.csr_matrix | None = None
    ) -> tuple[IntArray, FloatArray]:
        """The ``k`` best rows per query, best first; ``exclude`` rows never appear (-1 pads)."""
        q = _vectors(queries, "ann.queries")
        if q.shape[1] != self.dim:
            raise InvalidDataError("ann.queries", f"expected {self.dim} columns, got {q.shape[1]}")
        if exclude is not None and exclude.shape != (q.shape[0], self.size):
            raise InvalidDataError("ann.exclude", f"expected shape ({q.shape[0]}, {self.size})")
        # Fetch enough to still have k after dropping each row's exclusions.
        extra = int(np.diff(exclude.indptr).max(initial=0)) if exclude is not None else 0
        fetch = min(self.size, k + extra)
        ids, scores = self._search(q, fetch) if fetch else _empty(q.shape[0], 0)
        if exclude is not None and exclude.nnz:
            ids, scores = _drop_excluded(ids, scores, exclude)
        return _pad(ids[:, :k], scores[:, :k], k)

    def save(self, path: str | Path) -> Path:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"kind": self.kind, "dim": self.dim, "size": self.size, **self._meta()}
        (folder / "index.json").write_text(json.dumps(meta, indent=2) + "\n")
        self._save(folder)
        return folder

    @staticmethod
    def load(path: str | Path) -> VectorIndex:
        folder = Path(path)
        try:
            meta = json.loads((folder / "index.json").read_text())
        except (OSError, ValueError) as exc:
            raise InvalidDataError(str(folder), f"not a saved vector index ({exc})") from None
        kind = meta.pop("kind", "")
        dim, size = int(meta.pop("dim")), int(meta.pop("size"))
        index = make_index(kind, **meta)
        index.dim, index.size = dim, size
        index._load(folder)
        return index

    def __len__(self) -> int:
        return self.size

    def _meta(self) -> dict[str, Any]:
        return {}

    @abc.abstractmethod
    def _build(self, vectors: FloatArray) -> None: ...

    @abc.abstractmethod
    def _search(self, queries: FloatArray, k: int) -> tuple[IntArray, FloatArray]: ...

    @abc.abstractmethod
    def _save(self, folder: Path) -> None: ...

    @abc.abstractmethod
    def _load(self, folder: Path) -> None: ...


class ExactIndex(VectorIndex):
    """Blocked dense products and a partial sort: exact, and needs nothing but numpy."""

    kind = "exact"

    def __init__(self) -> None:
        super().__init__()
        self._vectors = np.zeros((0, 0), dtype=np.float32)

    def _build(self, vectors: FloatArray) -> None:
        self._vectors = vectors

    def _search(self, queries: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
        ids, scores = _empty(queries.shape[0], k)
        step = block_rows(self.size)
        for start in range(0, queries.shape[0], step):
            block = slice(start, start + step)
            ids[block], scores[block] = top_k(queries[block] @ self._vectors.T, k)
        return ids, scores

    def _save(self, folder: Path) -> None:
        np.save(folder / "vectors.npy", self._vectors, allow_pickle=False)

    def _load(self, folder: Path) -> None:
        self._vectors = np.load(folder / "vectors.npy", allow_pickle=False)


class FaissIndex(VectorIndex):
    """faiss with the inner-product metric: ``hnsw`` (graph) or ``ivf`` (IVF-Flat)."""

    kind = "faiss"

    def __init__(
        self, *, structure: str = "hnsw", m: int = 32, ef_search: int = 256, nlist: int = 0,
        nprobe: int = 16,
    ) -> None:  # fmt: skip
        super().__init__()
        if structure not in ("hnsw", "ivf"):
            raise InvalidDataError("ann.structure", f"unknown {structure!r} (use hnsw or ivf)")
        self.structure, self.m, self.ef_search = structure, m, ef_search
        self.nlist, self.nprobe = nlist, nprobe
        self._faiss = _faiss()
        self._index: Any = None

    def _build(self, vectors: FloatArray) -> None:
        faiss = self._faiss
        if self.structure == "hnsw":
            self._index = faiss.IndexHNSWFlat(self.dim, self.m, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = max(40, 2 * self.m)
        else:
            # √n lists, at least 39 training points per list (faiss's own warning threshold).
            nlist = self.nlist or max(1, min(int(np.sqrt(self.size)), self.size // 39))
            self.nlist = nlist
            quantiser = faiss.IndexFlatIP(self.dim)
            self._index = faiss.IndexIVFFlat(quantiser, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
            self._index.train(vectors)
        self._index.add(vectors)

    def _search(self, queries: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
        if self.structure == "hnsw":
            self._index.hnsw.efSearch = max(self.ef_search, k)
        else:
            self._index.nprobe = min(self.nprobe, self.nlist)
        scores, ids = self._index.search(queries, k)
        ids = ids.astype(np.int64)
        scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32)
        return ids, scores

    def _meta(self) -> dict[str, Any]:
        return {
            "structure": self.structure,
            "m": self.m,
            "ef_search": self.ef_search,
            "nlist": self.nlist,
            "nprobe": self.nprobe,
        }

    def _save(self, folder: Path) -> None:
        self._faiss.write_index(self._index, str(folder / "index.faiss"))

    def _load(self, folder: Path) -> None:
        self._index = self._faiss.read_index(str(folder / "index.faiss"))


def make_index(kind: str = "auto", **options: Any) -> VectorIndex:
    """``auto`` → faiss HNSW when faiss is installed, else exact; ``hnsw`` / ``ivf`` need faiss."""
    if kind == "auto":
        kind = "hnsw" if has_faiss() else "exact"
    if kind == "exact":
        return ExactIndex()
    if kind in ("hnsw", "ivf"):
        return FaissIndex(structure=kind, **options)
    if kind == "faiss":
        return FaissIndex(**options)
    raise InvalidDataError("ann.kind", f"unknown index {kind!r} (use {', '.join(KINDS)})")


def recall_at_k(approx: IntArray, exact: IntArray) -> float:
    """Share of the exact top-k rows the approximate search found (rows averaged)."""
    found, total = 0, 0
    for a, e in zip(approx, exact, strict=True):
        truth = set(e[e >= 0].tolist())
        found += len(truth.intersection(a[a >= 0].tolist()))
        total += len(truth)
    return found / total if total else 1.0


def _empty(n: int, k: int) -> tuple[IntArray, FloatArray]:
    return np.full((n, k), -1, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32)


def _pad(ids: IntArray, scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    if ids.shape[1] == k:
        return ids, scores
    out_ids, out_scores = _empty(ids.shape[0], k)
    out_ids[:, : ids.shape[1]], out_scores[:, : ids.shape[1]] = ids, scores
    return out_ids, out_scores


def _drop_excluded(
    ids: IntArray, scores: FloatArray, exclude: sp.csr_matrix
) -> tuple[IntArray, FloatArray]:
    """Remove excluded ids from each row, keeping the others in order (best first)."""
    rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1])
    flat = ids.ravel()
    banned = np.zeros(flat.shape[0], dtype=bool)
    valid = flat >= 0
    banned[valid] = np.asarray(exclude[rows[valid], flat[valid]]).ravel() > 0
    keep = ~banned & valid
    # Stable sort pushes each row's dropped slots to its end.
    order = np.argsort(~keep.reshape(ids.shape), axis=1, kind="stable")
    kept = np.take_along_axis(keep.reshape(ids.shape), order, axis=1)
    out_ids = np.where(kept, np.take_along_axis(ids, order, axis=1), -1)
    out_scores = np.where(kept, np.take_along_axis(scores, order, axis=1), -np.inf)
    return out_ids, out_scores.astype(np.float32)
