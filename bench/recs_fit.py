"""Fit time per model and batch top-100 throughput against the BLAS floor measured in the same run.

    .venv/bin/python bench/recs_fit.py --small ../shared/data/movielens/ml-latest-small
    .venv/bin/python bench/recs_fit.py --synthetic            # ML-20M shape: 138k × 27k, 10M
    .venv/bin/python bench/recs_fit.py --synthetic --scale 0.1  # a tenth of the rows and users
    .venv/bin/python bench/recs_fit.py --synthetic --topk-only  # only the iALS top-100 part

The BLAS floor is the time of the dense score products alone (the same blocks, no masking or
partial sort); throughput is reported in users per second for both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from marquee.recs.candidates import make_model
from marquee.recs.candidates.base import Recommender
from marquee.recs.data import IdMap, Interactions, assemble, from_ratings
from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.topk import block_rows

SMALL_MODELS = ["popularity", "trending", "itemknn", "sar", "ease", "ials", "content"]


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def synthetic(users: int, items: int, rows: int, seed: int = 0) -> Interactions:
    """Power-law item popularity and log-normal user activity, like MovieLens 20M."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(mean=0.0, sigma=1.0, size=users)
    per_user = np.maximum(1, np.round(activity / activity.sum() * rows)).astype(np.int64)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    # Draw a quarter more pairs than wanted, drop duplicates, then keep exactly ``rows``.
    user_idx = np.repeat(np.arange(users, dtype=np.int64), np.ceil(per_user * 1.25).astype(int))
    item_idx = rng.choice(items, size=user_idx.shape[0], p=popularity / popularity.sum())
    keys = np.unique(user_idx * items + item_idx)
    keys = np.sort(rng.choice(keys, size=min(rows, keys.shape[0]), replace=False))
    matrix = sp.csr_matrix(
        (np.ones(keys.shape[0], dtype=np.float32), (keys // items, keys % items)),
        shape=(users, items),
    )
    coo = matrix.tocoo()
    return assemble(
        IdMap(np.arange(users, dtype=np.int64)),
        IdMap(np.arange(items, dtype=np.int64)),
        coo.row.astype(np.int64),
        coo.col.astype(np.int64),
        coo.data,
        timestamps=rng.integers(0, 10**8, coo.nnz),
    )


def blas_floor(users: np.ndarray, items: np.ndarray) -> float:
    """Seconds for the dense products alone, in the blocks the recommender uses."""
    step = block_rows(items.shape[0])
    started = time.perf_counter()
    for start in range(0, users.shape[0], step):
        np.dot(users[start : start + step], items.T)
    return time.perf_counter() - started


def fit_all(data: Interactions, names: list[str], item_text: Any = None) -> dict[str, float]:
    out = {}
    for name in names:
        model = make_model(name, item_text=item_text)
        started = time.perf_counter()
        model.fit(data)
        seconds = time.perf_counter() - started
        out[name] = round(seconds, 3)
        print(f"  fit {name:<11} {seconds:8.2f} s", flush=True)
    return out


def throughput(model: Recommender, n_users: int, k: int = 100, reps: int = 3) -> dict[str, float]:
    """Median seconds of ``reps`` runs of top-k for every user, each run beside a floor run.

    The floor and our path alternate within one process, so both see the same machine load;
    the share is the ratio of the two medians.
    """
    ids = np.arange(n_users)
    ours, floors = [], []
    factors = getattr(model, "_user_factors", None)
    for _ in range(reps):
        ours.append(timed(lambda: model.recommend(ids, k))[1])
        if factors is not None:
            items = model._item_factors  # type: ignore[attr-defined]
            floors.append(blas_floor(factors[:n_users], items))
    seconds = float(np.median(ours))
    result = {
        "users": n_users,
        "seconds": round(seconds, 3),
        "users_per_s": round(n_users / seconds),
    }
    if floors:
        floor = float(np.median(floors))
        result["blas_floor_users_per_s"] = round(n_users / floor)
        result["share_of_floor"] = round(floor / seconds, 3)
    print(f"  top-{k} {model.name}: {result}", flush=True)
    return result


def small(path: Path) -> dict[str, Any]:
    dataset = load_dataset(path)
    catalog = dataset.ratings if dataset.item_text is None else dataset.item_text
    data = from_ratings(dataset.ratings, items=IdMap.from_values(catalog["item_id"]))
    print(f"{path.name}: {data.n_users} users, {data.n_items} items, {data.nnz} rows")
    fits = fit_all(data, SMALL_MODELS, dataset.item_text)
    ease = make_model("ease").fit(data)
    top = throughput(ease, data.n_users)
    return {"shape": [data.n_users, data.n_items, data.nnz], "fit_s": fits, "top100_ease": top}


def large(scale: float, *, topk_only: bool = False) -> dict[str, Any]:
    users, items, rows = int(138_000 * scale), 27_000, int(10_000_000 * scale)
    data, built = timed(lambda: synthetic(users, items, rows))
    print(f"synthetic: {data.n_users} users, {data.n_items} items, {data.nnz} rows ({built:.1f} s)")
    shape = [data.n_users, data.n_items, data.nnz]
    if topk_only:  # the same factors and top-k run, without the fits that are timed
        ials = make_model("ials", {"iterations": 1}).fit(data)
        return {"shape": shape, "top100_ials": throughput(ials, min(data.n_users, 20_000))}
    fits = fit_all(data, ["popularity", "trending"])
    for steps in (3, 2):
        _, seconds = timed(lambda steps=steps: make_model("ials", {"cg_steps": steps}).fit(data))
        fits[f"ials_cg{steps}"] = round(seconds, 3)
        print(f"  fit ials (cg_steps={steps}) {seconds:8.2f} s", flush=True)
    ials = make_model("ials", {"iterations": 1}).fit(data)  # factors only matter for top-k
    top = throughput(ials, min(data.n_users, 20_000))
    # EASE on the 10k most popular items (the goal: ≤ 30 s).
    top_items = np.argsort(-np.asarray((data.matrix > 0).sum(axis=0)).ravel())[:10_000]
    sub = data.matrix[:, np.sort(top_items)].tocsr()
    sub_data = assemble(data.users, IdMap(np.arange(10_000, dtype=np.int64)), *_coo(sub))
    _, ease_s = timed(lambda: make_model("ease").fit(sub_data))
    print(f"  fit ease (10k items) {ease_s:8.2f} s", flush=True)
    fits["ease_10k"] = round(ease_s, 3)
    return {"shape": shape, "fit_s": fits, "top100_ials": top}


def _coo(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    coo = matrix.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=Path, help="An ml-latest-small folder.")
    parser.add_argument("--synthetic", action="store_true", help="Run the ML-20M-shaped matrix.")
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of users and rows.")
    parser.add_argument(
        "--topk-only", action="store_true", help="With --synthetic: skip the timed fits."
    )
    parser.add_argument("--json", type=Path, help="Write the figures here.")
    args = parser.parse_args()
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "numpy": np.__version__,
    }
    if args.small:
        figures["ml-latest-small"] = small(args.small)
    if args.synthetic:
        figures["synthetic"] = large(args.scale, topk_only=args.topk_only)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
