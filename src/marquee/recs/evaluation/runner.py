"""Fit, tune (on validation only) and score models on a split; produces one result per model."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from marquee.recs.candidates import Recommender, make_model, model_class
from marquee.recs.candidates.base import ParamValue
from marquee.recs.data import IdMap, Interactions, from_ratings
from marquee.recs.evaluation.metrics import evaluate_lists
from marquee.recs.evaluation.protocols import Stage

IntArray = npt.NDArray[np.int64]
Params = dict[str, ParamValue]
COLD = 5  # users with at most this many history rows, items with at most this many train rows


@dataclass(frozen=True)
class StageData:
    """A stage turned into matrices: the snapshot, evaluated users, their truth and masks."""

    snapshot: Interactions
    users: IntArray  # snapshot indices of evaluated users (-1 where folded in)
    user_items: sp.csr_matrix | None
    exclude: sp.csr_matrix | None
    relevant: sp.csr_matrix
    n_relevant: IntArray
    history_sizes: IntArray
    genres: npt.NDArray[np.bool_] | None = None  # items × genres flags, for diversity


@dataclass
class ModelResult:
    model: str
    params: Params
    metrics: dict[str, float]
    slices: dict[str, dict[str, float]]
    fit_seconds: float
    recommend_seconds: float
    trials: list[dict[str, object]] = field(default_factory=list)


def _rows(frame: pd.DataFrame | None, users: IntArray, items: IdMap) -> sp.csr_matrix:
    """A binary users × items matrix of ``frame``'s rows, rows ordered like ``users`` (raw ids)."""
    shape = (users.shape[0], len(items))
    if frame is None or frame.empty:
        return sp.csr_matrix(shape, dtype=np.float32)
    row = IdMap(users).index(frame["user_id"].to_numpy())
    col = items.index(frame["item_id"].to_numpy())
    ok = (row >= 0) & (col >= 0)
    out = sp.csr_matrix((np.ones(int(ok.sum()), dtype=np.float32), (row[ok], col[ok])), shape=shape)
    out.data[:] = 1.0
    out.sum_duplicates()
    out.data[:] = 1.0
    return out


def genre_flags(item_genres: pd.DataFrame, items: IdMap) -> npt.NDArray[np.bool_]:
    """An items × genres boolean matrix from ``item_id, genre`` rows; unknown items dropped."""
    rows = items.index(item_genres["item_id"].to_numpy())
    codes, _ = pd.factorize(item_genres["genre"], sort=True)
    flags = np.zeros((len(items), int(codes.max(initial=-1)) + 1), dtype=bool)
    known = rows >= 0
    flags[rows[known], codes[known]] = True
    return flags


def prepare(stage: Stage, items: IdMap, item_genres: pd.DataFrame | None = None) -> StageData:
    snapshot = from_ratings(stage.fit, items=items)
    users = np.unique(stage.target["user_id"].to_numpy()).astype(np.int64)
    n_relevant = (
        stage.target.drop_duplicates(["user_id", "item_id"])
        .groupby("user_id")
        .size()
        .reindex(users)
        .to_numpy(np.int64)
    )
    user_items = None
    if stage.fold_in is not None:
        user_items = _rows(stage.fold_in, users, items)
        index = np.full(users.shape[0], -1, dtype=np.int64)
        sizes = np.diff(user_items.indptr).astype(np.int64)
    else:
        index = snapshot.users.index(users)
        sizes = np.diff(snapshot.histories(index).indptr).astype(np.int64)
    return StageData(
        snapshot,
        index,
        user_items,
        _rows(stage.exclude, users, items) if stage.exclude is not None else None,
        _rows(stage.target, users, items),
        n_relevant,
        sizes,
        None if item_genres is None else genre_flags(item_genres, items),
    )


def run(model: Recommender, data: StageData, k: int) -> tuple[IntArray, float, float]:
    started = time.perf_counter()
    model.fit(data.snapshot)
    fitted = time.perf_counter()
    recs, _ = model.recommend(data.users, k, user_items=data.user_items, exclude=data.exclude)
    return recs, fitted - started, time.perf_counter() - fitted


def score(recs: IntArray, data: StageData, ks: list[int]) -> dict[str, float]:
    item_users = np.bincount(data.snapshot.matrix.indices, minlength=data.snapshot.n_items)
    return evaluate_lists(
        recs,
        data.relevant,
        data.n_relevant,
        ks=ks,
        item_users=item_users.astype(np.int64),
        n_train_users=data.snapshot.n_users,
        genres=data.genres,
    )


def slices(recs: IntArray, data: StageData, k: int) -> dict[str, dict[str, float]]:
    """Cold users (≤ 5 history rows) and cold items (≤ 5 training rows) at ``k``."""
    out: dict[str, dict[str, float]] = {}
    cold = data.history_sizes <= COLD
    if cold.any():
        sub = StageData(
            data.snapshot,
            data.users[cold],
            None,
            None,
            data.relevant[np.flatnonzero(cold)],
            data.n_relevant[cold],
            data.history_sizes[cold],
        )
        found = score(recs[cold], sub, [k])
        out["cold_users"] = {
            "users": float(cold.sum()),
            f"ndcg@{k}": found[f"ndcg@{k}"],
            f"recall@{k}": found[f"recall@{k}"],
        }
    item_rows = np.bincount(data.snapshot.matrix.indices, minlength=data.snapshot.n_items)
    cold_items = (item_rows <= COLD).astype(np.float32)
    targets = sp.csr_matrix(data.relevant @ sp.diags(cold_items))
    targets.eliminate_zeros()
    if targets.nnz:
        picked = _top_matrix(recs[:, :k], data.snapshot.n_items)
        hit_rows = sp.csr_matrix(targets.multiply(picked))
        hit_rows.eliminate_zeros()
        found_rows = hit_rows.nnz
        out["cold_items"] = {"targets": float(targets.nnz), f"recall@{k}": found_rows / targets.nnz}
    return out


def _top_matrix(recs: IntArray, n_items: int) -> sp.csr_matrix:
    rows, slots = np.nonzero(recs >= 0)
    return sp.csr_matrix(
        (np.ones(rows.shape[0], dtype=np.float32), (rows, recs[rows, slots])),
        shape=(recs.shape[0], n_items),
    )


def grid(space: dict[str, list[ParamValue]]) -> list[Params]:
    keys = sorted(space)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(space[k] for k in keys))
    ]


def tune(
    name: str,
    data: StageData,
    k: int,
    *,
    item_text: pd.DataFrame | None,
    base: Params | None = None,
    space: dict[str, list[ParamValue]] | None = None,
) -> tuple[Params, list[dict[str, object]]]:
    """Grid search on the validation stage; the best nDCG@k wins (ties: the first tried).

    A model that names a ``coverage_floor`` member (the blend: ``"ease"``) only accepts settings
    whose validation coverage@k is at least that member's, fitted with the member's parameters
    from ``base``; see :func:`pick`.
    """
    floor = coverage_floor(name, data, k, item_text=item_text, base=base)
    trials: list[dict[str, object]] = []
    settings: list[Params] = []
    ndcg: list[float] = []
    coverage: list[float] = []
    for candidate in grid(space if space is not None else model_class(name).search_space):
        params = {**(base or {}), **candidate}
        recs, _, _ = run(make_model(name, params, item_text=item_text), data, k)
        found = score(recs, data, [k])
        settings.append(params)
        ndcg.append(found[f"ndcg@{k}"])
        coverage.append(found[f"coverage@{k}"])
        trials.append(
            {
                "params": candidate,
                f"ndcg@{k}": round(ndcg[-1], 6),
                f"coverage@{k}": round(coverage[-1], 6),
            }
        )
    if not settings:
        return dict(base or {}), trials
    best, reason = pick(ndcg, coverage, floor, k)
    trials[best]["chosen"] = reason
    return settings[best], trials


def coverage_floor(
    name: str,
    data: StageData,
    k: int,
    *,
    item_text: pd.DataFrame | None,
    base: Params | None,
) -> tuple[str, float] | None:
    """``(member, its validation coverage@k)`` for a model that declares a coverage floor."""
    member = getattr(model_class(name), "coverage_floor", None)
    if member is None:
        return None
    prefix = f"{member}."
    own = {key[len(prefix) :]: v for key, v in (base or {}).items() if key.startswith(prefix)}
    recs, _, _ = run(make_model(member, own, item_text=item_text), data, k)
    return str(member), score(recs, data, [k])[f"coverage@{k}"]


def pick(
    ndcg: list[float], coverage: list[float], floor: tuple[str, float] | None, k: int
) -> tuple[int, str]:
    """The winning setting's index and why it won; ties go to the first tried.

    With a floor: the best nDCG@k among settings whose coverage@k reaches it; if none does, the
    highest coverage, since a blend that narrows the catalog below its floor member is a
    regression however accurate it is.
    """
    order = range(len(ndcg))
    if floor is None:
        return max(order, key=ndcg.__getitem__), f"best ndcg@{k}"
    member, minimum = floor
    allowed = [i for i in order if coverage[i] >= minimum]
    if allowed:
        best = max(allowed, key=ndcg.__getitem__)
        return best, f"best ndcg@{k} with coverage@{k} >= {member}'s {minimum:.6f}"
    best = max(order, key=coverage.__getitem__)
    return best, f"no setting reached {member}'s coverage@{k} {minimum:.6f}: highest coverage"
