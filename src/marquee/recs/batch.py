"""Batch recommendations from plain CSVs, so anyone can check our models with their own evaluator.

Documented behaviour: duplicate rows collapse (highest rating, latest time); a user absent from
training gets popularity; a user's train, valid and exclude items are never recommended; with
``valid`` the model's grid is searched on it (fit on train, nDCG@k on valid), then the model is
refitted on train + valid; items only known from ``exclude`` are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from marquee.recs.candidates import BEST, make_model, model_class
from marquee.recs.candidates.base import ParamValue
from marquee.recs.csvfiles import (
    collapse_duplicates,
    read_ids,
    read_interactions,
    write_recommendations,
)
from marquee.recs.data import IdMap, from_ratings
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.protocols import Stage
from marquee.recs.evaluation.runner import prepare, tune

TUNE_K = 10


@dataclass(frozen=True)
class BatchSummary:
    model: str
    params: dict[str, ParamValue]
    users: int
    cold_users: int
    rows_written: int


def recommend_batch(
    *,
    train_path: Path,
    users_path: Path,
    out_path: Path,
    model_name: str = "best",
    k: int = 100,
    valid_path: Path | None = None,
    exclude_path: Path | None = None,
    seed: int = 42,
) -> BatchSummary:
    """Read, (tune), fit, recommend and write ``user_id,item_id,rank``; see the module doc."""
    name = BEST if model_name == "best" else model_name
    cls = model_class(name, where="--model")
    if getattr(cls, "needs_item_text", False):
        raise InvalidDataError(
            "--model", f"{name} needs item text, which recommend-batch cannot read"
        )
    if k < 1:
        raise InvalidDataError("--k", "must be at least 1")
    train = read_interactions(train_path, label="--train")
    valid = read_interactions(valid_path, label="--valid") if valid_path else None
    exclude = (
        read_ids(exclude_path, label="--exclude", columns=("user_id", "item_id"))
        if exclude_path
        else None
    )
    users = read_ids(users_path, label="--users", columns=("user_id",))
    wanted = pd.unique(users["user_id"].to_numpy()).astype(np.int64)
    params: dict[str, ParamValue] = {"seed": seed} if "seed" in _accepted(name) else {}
    everything = train if valid is None else collapse_duplicates(pd.concat([train, valid]))
    items = IdMap.from_values(everything["item_id"].to_numpy())
    if valid is not None:
        stage = prepare(Stage(train, valid), items)
        params, _ = tune(name, stage, TUNE_K, item_text=None, base=params)
    snapshot = from_ratings(everything, items=items)
    model = make_model(name, params).fit(snapshot)
    index = snapshot.users.index(wanted)
    recs, _ = model.recommend(index, k, exclude=_exclusions(exclude, wanted, items))
    valid_slots = recs >= 0
    raw = np.where(valid_slots, items.to_raw(np.maximum(recs, 0)), -1)
    written = write_recommendations(out_path, wanted, raw, valid_slots)
    return BatchSummary(name, params, int(wanted.shape[0]), int((index < 0).sum()), written)


def _accepted(name: str) -> set[str]:
    import inspect

    return set(inspect.signature(model_class(name).__init__).parameters)


def _exclusions(frame: pd.DataFrame | None, users: np.ndarray, items: IdMap) -> sp.csr_matrix:
    shape = (users.shape[0], len(items))
    if frame is None or frame.empty:
        return sp.csr_matrix(shape, dtype=np.float32)
    rows = IdMap(np.sort(users)).index(frame["user_id"].to_numpy())
    # Map rows from sorted order back to the order users were asked for.
    order = np.argsort(users, kind="stable")
    rows = np.where(rows >= 0, order[np.maximum(rows, 0)], -1)
    cols = items.index(frame["item_id"].to_numpy())
    ok = (rows >= 0) & (cols >= 0)
    return sp.csr_matrix(
        (np.ones(int(ok.sum()), dtype=np.float32), (rows[ok], cols[ok])), shape=shape
    )
