"""Experiments: the cost of assignment on the request path and of analysing results.

    .venv/bin/python bench/experiments.py [profiles]

Assignment: ``ExperimentService.assign`` with a running experiment, on an embedded (SQLite)
database in a temporary directory: the cached path (no query) per call. Analysis:
``outcomes.units`` + ``analysis.analyse`` over simulated lake events of ``profiles`` exposed
profiles (10 impressions each, about one play of two events for half of them). Medians of 5 runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from marquee.bootstrap import bootstrap
from marquee.config import Settings
from marquee.experiments.analysis import analyse
from marquee.experiments.definitions import ExperimentDraft, Variant
from marquee.experiments.outcomes import to_frame, units
from marquee.storage.db.migrate import upgrade


def bench_assign(calls: int = 200_000) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        container = bootstrap(Settings(data_dir=Path(tmp), log_json=False))
        try:
            upgrade(container.db)
            arms = [Variant("control", 50, "default"), Variant("mmr", 50, "diverse")]
            container.experiments.create(
                ExperimentDraft(key="bench", surface="home", variants=arms)
            )
            container.experiments.start("bench")
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                for profile in range(calls):
                    container.experiments.assign("home", profile)
                runs.append((time.perf_counter() - started) / calls * 1e6)
            return statistics.median(runs)
        finally:
            container.close()


def simulated_events(profiles: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ids = np.repeat(np.arange(profiles), 10)
    frames = [
        pd.DataFrame({
            "type": "impression", "profile_id": ids, "title_id": rng.integers(1, 500, ids.size),
            "client_time": t0,
            "experiments": np.where(ids % 2, '{"bench": "mmr"}', '{"bench": "control"}'),
        })
    ]  # fmt: skip
    players = np.arange(profiles)[rng.random(profiles) < 0.5]
    for kind, position in (("play_start", 0.0), ("stop", 900.0)):
        frames.append(pd.DataFrame({
            "type": kind, "profile_id": players, "title_id": 7, "session_id": "s",
            "position_s": position, "duration_s": 1800.0, "client_time": t0 + timedelta(minutes=20),
            "experiments": "{}", "event_id": [uuid.uuid4().hex for _ in players],
        }))  # fmt: skip
    return to_frame(pd.concat(frames, ignore_index=True))


def bench_analysis(profiles: int) -> float:
    frame = simulated_events(profiles)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        analyse(units(frame, "bench", {7: ("drama",)}), ["control", "mmr"])
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


if __name__ == "__main__":
    profiles = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"assign (cached, running experiment): {bench_assign():.2f} µs/call")
    print(f"results over {profiles:,} exposed profiles: {bench_analysis(profiles):.2f} s")
