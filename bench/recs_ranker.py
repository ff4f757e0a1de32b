"""What the multi-objective ranker costs in precompute: training windows and scoring a batch.

    .venv/bin/python bench/recs_ranker.py ../shared/data/movielens/ml-100k [--model ease]

Times (median of ``--repeat`` runs) ``fit_temporal`` with 1 and 3 windows (each window fits the
sources again) and ``PageRanker.score`` for a batch of 256 profiles with a pool of 80 per source
(what ``profile_pages`` does per precompute batch), and prints profiles/s of the scoring.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from marquee.recs.data import IdMap
from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.ranking.dataset import History
from marquee.recs.ranking.training import PageRanker, fit_sources, fit_temporal
from timing import median_time

POOL, BATCH = 80, 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--model", default="ease")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ratings = load_dataset(args.dataset).ratings
    events = pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(np.int64),
            "item_id": ratings["item_id"].to_numpy(np.int64),
            "kind": "rate",
            "value": ratings["rating"].to_numpy(np.float64),
            "timestamp": ratings["timestamp"].to_numpy(np.int64),
        }
    )
    items = IdMap.from_values(events["item_id"].to_numpy())
    fitter = partial(fit_sources, items=items, model=args.model)
    now = int(events["timestamp"].max()) + 1
    for windows in (1, 3):
        _, seconds = median_time(
            lambda w=windows: fit_temporal(events, fit_sources=fitter, pool=POOL, windows=w),
            args.repeat,
        )
        print(f"fit_temporal windows={windows}: {seconds:.1f} s")
    ranker = fit_temporal(events, fit_sources=fitter, pool=POOL, windows=3)
    sources = fitter(events, now)
    assert ranker is not None
    assert sources is not None
    page = PageRanker(ranker, sources, History.of(events, now))
    profiles = [int(p) for p in np.unique(events["user_id"].to_numpy())[:BATCH]]
    _, seconds = median_time(lambda: page.score(profiles, POOL), args.repeat)
    print(f"score {len(profiles)} profiles: {seconds:.2f} s ({len(profiles) / seconds:.0f}/s)")


if __name__ == "__main__":
    main()
