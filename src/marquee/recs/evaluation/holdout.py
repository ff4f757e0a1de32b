"""A quick offline check of a model on a snapshot: temporal leave-last-out over a user sample.

Used before registering a model (``recs/release.py``): each user's latest positive is held out,
a fresh model is fitted on everything else, and at most ``max_users`` users (a fixed-seed sample)
are scored by full ranking with the metrics of ``metrics.py``. Cheap enough to run on every
precompute; the full protocols of ``marquee evaluate`` remain the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from marquee.recs.candidates.base import Recommender
from marquee.recs.data import Interactions
from marquee.recs.evaluation.protocols import Stage, temporal_split
from marquee.recs.evaluation.runner import prepare, run, score

MAX_USERS = 2_000
_AT = re.compile(r"@(\d+)$")


def snapshot_ratings(snapshot: Interactions) -> pd.DataFrame:
    """The snapshot's positives as ``user_id, item_id, rating, timestamp`` (rating = confidence)."""
    coo = snapshot.matrix.tocoo()
    # CSR order of ``matrix.data`` is the order of ``timestamps``; tocoo keeps it.
    return pd.DataFrame(
        {
            "user_id": snapshot.users.to_raw(coo.row),
            "item_id": snapshot.items.to_raw(coo.col),
            "rating": coo.data.astype(np.float64),
            "timestamp": snapshot.timestamps,
        }
    )


def cutoffs(metrics: Sequence[str]) -> list[int]:
    """The K of every ``name@K`` metric (10 when none names one)."""
    found = {int(m.group(1)) for m in map(_AT.search, metrics) if m}
    return sorted(found) or [10]


def holdout_metrics(
    make: Callable[[], Recommender],
    snapshot: Interactions,
    *,
    metrics: Sequence[str],
    max_users: int = MAX_USERS,
    seed: int = 0,
) -> dict[str, float]:
    """Metrics of a model built by ``make`` on the snapshot's last-positive holdout ({} when no
    user has the three positives the protocol needs)."""
    split = temporal_split(snapshot_ratings(snapshot))
    target = split.test.target
    if target.empty:
        return {}
    users = np.unique(target["user_id"].to_numpy())
    if users.shape[0] > max_users:
        users = np.random.default_rng(seed).choice(users, max_users, replace=False)
        target = target[target["user_id"].isin(users)]
    # Train on everything but the held-out row (the protocol's valid row goes back in).
    stage = Stage(pd.concat([split.test.fit, split.valid.target]), target)
    data = prepare(stage, snapshot.items)
    ks = cutoffs(metrics)
    recs, _, _ = run(make(), data, max(ks))
    return score(recs, data, ks) | {"holdout_users": float(users.shape[0])}
