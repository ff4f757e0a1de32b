"""What the model registry adds to a precompute: the quick holdout, registering and loading back.

    .venv/bin/python bench/recs_registry.py ../shared/data/movielens/ml-latest-small [--model ease]

Times (median of ``--repeat`` runs) the production fit, the holdout (a second fit on all but each
user's latest positive plus scoring ≤ 2,000 users), ``register_model`` and ``load_model`` on a
local-directory blob store, and prints the holdout metrics.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from marquee.clock import system_clock
from marquee.recs.candidates import make_model
from marquee.recs.data import from_ratings
from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.evaluation.holdout import holdout_metrics
from marquee.recs.registry import ModelRegistry
from marquee.storage.blob.local import LocalBlobStore
from timing import median_time

METRICS = ["ndcg@10", "recall@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--model", default="ease")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    snapshot = from_ratings(load_dataset(args.dataset).ratings)
    model, fit_s = median_time(lambda: make_model(args.model).fit(snapshot), args.repeat)
    metrics, holdout_s = median_time(
        lambda: holdout_metrics(lambda: make_model(args.model), snapshot, metrics=METRICS),
        args.repeat,
    )
    with tempfile.TemporaryDirectory() as tmp:
        registry = ModelRegistry(
            LocalBlobStore(Path(tmp)), metrics=METRICS, tolerance=0.02, clock=system_clock
        )
        entry, register_s = median_time(
            lambda: registry.register_model("top-picks", model, metrics=metrics), 1
        )
        _, load_s = median_time(
            lambda: registry.load_model("top-picks", entry.version), args.repeat
        )
    report = {
        "dataset": args.dataset.name,
        "model": args.model,
        "users": snapshot.n_users,
        "items": snapshot.n_items,
        "fit_s": round(fit_s, 3),
        "holdout_s": round(holdout_s, 3),
        "register_s": round(register_s, 3),
        "load_s": round(load_s, 3),
        "artefact_mb": round(entry.artefact_bytes / 1e6, 1),
        "metrics": {k: round(v, 4) for k, v in metrics.items() if k in METRICS},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
