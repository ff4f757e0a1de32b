"""Two-tower training time and ANN recall@100 against exact retrieval, on a MovieLens folder.

    .venv/bin/python bench/recs_ann.py ../shared/data/movielens/ml-latest-small
    .venv/bin/python bench/recs_ann.py ../shared/data/movielens/ml-100k --epochs 10

Trains ``two_tower`` on every rating, exports its item vectors into an exact index and the faiss
indexes, and searches the top 100 for every user with their seen items excluded. Recall@100 is
the share of the exact top 100 that an index returns; times are medians of three searches.
Needs the torch extra (torch and faiss-cpu).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from marquee.recs.ann import recall_at_k
from marquee.recs.candidates import TwoTower, make_model
from marquee.recs.data import IdMap, from_ratings
from marquee.recs.evaluation.datasets import load_dataset
from timing import median_time

K = 100
INDEXES: dict[str, dict[str, Any]] = {
    "exact": {},
    "hnsw": {"m": 32, "ef_search": 256},
    "ivf": {"nprobe": 16},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="A MovieLens folder.")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--json", type=Path, help="Write the figures here.")
    args = parser.parse_args()
    dataset = load_dataset(args.data)
    catalog = dataset.ratings if dataset.item_text is None else dataset.item_text
    data = from_ratings(dataset.ratings, items=IdMap.from_values(catalog["item_id"]))
    model = make_model("two_tower", {"epochs": args.epochs}, item_text=dataset.item_text)
    assert isinstance(model, TwoTower)
    started, cpu = time.perf_counter(), time.process_time()
    model.fit(data)
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "data": [data.n_users, data.n_items, data.nnz],
        "fit_s": round(time.perf_counter() - started, 2),
        "fit_cpu_s": round(time.process_time() - cpu, 2),
        "epochs": args.epochs,
    }
    users = np.arange(data.n_users)
    results: dict[str, Any] = {}
    exact_ids = None
    for kind, options in INDEXES.items():
        index, build_s = median_time(
            lambda kind=kind, options=options: model.build_index(kind, **options), 1
        )
        (ids, _), search_s = median_time(lambda index=index: model.retrieve(index, users, K))
        exact_ids = ids if kind == "exact" else exact_ids
        assert exact_ids is not None
        results[kind] = {
            "build_s": round(build_s, 3),
            "search_users_per_s": round(users.shape[0] / search_s),
            f"recall@{K}": round(recall_at_k(ids, exact_ids), 4),
        }
        print(kind, results[kind], flush=True)
    figures["indexes"] = results
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
