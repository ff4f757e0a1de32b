"""Offline evaluation of the multi-objective ranker: its blended order against each candidate
source alone, on a global temporal split.

Protocol: the last ``holdout`` share of events (by time) is the test period. The ranker is
trained only on what came before it (``ranking.training.fit_temporal``: its own cutoff inside
that period, sources fitted before that cutoff). The sources are then refitted on everything
before the test cutoff, every profile active on both sides gets its candidate pool (each
source's top ``pool`` unseen titles), and each order of that pool — one source's own ranking,
or the ranker's blend — is scored against what the profile rated in the test period:
nDCG@K and recall@K with every rated title relevant ("played"), and nDCG@K with ratings ≥ 4
relevant ("liked"). ``pool`` is the share of relevant titles anywhere in the pool (the ceiling
of any reordering).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp

from marquee.recs.data import IdMap
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.metrics import accuracy_at, hit_matrix
from marquee.recs.ranking.dataset import SOURCE_NAMES, History, candidate_frame, temporal_cutoff
from marquee.recs.ranking.ranker import BlendWeights
from marquee.recs.ranking.training import fit_sources, fit_temporal
from marquee.recs.rows import blend_for


@dataclass
class RankerReport:
    """One row per ordering: its metrics at ``k``; plus what the ranker was and saw."""

    dataset: str
    model: str
    k: int
    pool: int
    profiles: int
    cutoff: int
    rows: dict[str, dict[str, float]] = field(default_factory=dict)
    ranker: dict[str, float] = field(default_factory=dict)  # held-out AUC of each head
    pool_recall: float = 0.0  # share of played titles anywhere in the pool

    def to_markdown(self) -> str:
        k = self.k
        lines = [
            f"| order ({self.dataset}, {self.profiles} test profiles) | nDCG@{k} played "
            f"| recall@{k} played | nDCG@{k} liked |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, m in self.rows.items():
            lines.append(
                f"| {name} | {m['ndcg_played']:.4f} | {m['recall_played']:.4f} "
                f"| {m['ndcg_liked']:.4f} |"
            )
        aucs = ", ".join(f"{name} {value:.3f}" for name, value in self.ranker.items())
        lines += [
            "",
            f"Pool: each source's top {self.pool} unseen titles; recall of the whole pool "
            f"(the ceiling of any order) {self.pool_recall:.4f}. Ranker heads, held-out AUC: "
            f"{aucs}.",
        ]
        return "\n".join(lines)


def _events(dataset: Dataset) -> pd.DataFrame:
    ratings = dataset.ratings
    return pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(np.int64),
            "item_id": ratings["item_id"].to_numpy(np.int64),
            "kind": "rate",
            "value": ratings["rating"].to_numpy(np.float64),
            "timestamp": ratings["timestamp"].to_numpy(np.int64),
        }
    )


def _genres(dataset: Dataset) -> pd.DataFrame | None:
    if dataset.item_genres is None:
        return None
    return dataset.item_genres.rename(columns={"item_id": "title_id"})


def _score(
    order: pd.DataFrame, items: IdMap, users: list[int], truth: pd.DataFrame, k: int
) -> dict[str, float]:
    """nDCG/recall at ``k`` of ``order`` (profile_id, title_id, best first) against ``truth``."""
    row_of = {u: n for n, u in enumerate(users)}
    recs = np.full((len(users), k), -1, dtype=np.int64)
    for profile, group in order.groupby("profile_id", sort=False):
        top = items.index(group["title_id"].to_numpy()[:k])
        recs[row_of[int(profile)], : top.shape[0]] = top
    out = {}
    for name, rel in (("played", truth), ("liked", truth[truth["value"] >= 4])):
        rows = rel["user_id"].map(row_of).to_numpy(np.int64)
        cols = items.index(rel["item_id"].to_numpy())
        matrix = sp.csr_matrix(
            (np.ones(rows.shape[0]), (rows, np.maximum(cols, 0))), shape=(len(users), len(items))
        )
        counts = np.bincount(rows, minlength=len(users)).astype(np.int64)
        metrics = accuracy_at(hit_matrix(recs, matrix), counts, k)
        out[f"ndcg_{name}"], out[f"recall_{name}"] = metrics["ndcg"], metrics["recall"]
    return out


def evaluate_ranker(
    dataset: Dataset,
    *,
    model: str = "ease",
    k: int = 10,
    pool: int = 80,
    holdout: float = 0.1,
    windows: int = 3,
    max_profiles: int = 2000,
) -> RankerReport:
    """Each source's own order and the ranker's blends, scored on the test period (see module)."""
    events = _events(dataset)
    items = IdMap.from_values(events["item_id"].to_numpy())
    genres = _genres(dataset)
    fitter = partial(fit_sources, items=items, model=model)
    cutoff = temporal_cutoff(events, holdout=holdout)
    train, test = events[events["timestamp"] < cutoff], events[events["timestamp"] >= cutoff]
    ranker = fit_temporal(
        train, fit_sources=fitter, pool=pool, genres=genres, holdout=holdout, windows=windows
    )
    sources = fitter(train, cutoff)
    if ranker is None or sources is None:
        raise ValueError("too little data before the test period to train the ranker")
    users = sorted(set(train["user_id"].unique()) & set(test["user_id"].unique()))
    users = users[:: max(1, -(-len(users) // max_profiles))]
    frame = candidate_frame(sources, History.of(train, cutoff, genres), users, pool=pool)
    truth = test[test["user_id"].isin(users)].drop_duplicates(["user_id", "item_id"])
    report = RankerReport(dataset.name, model, k, pool, len(users), cutoff)
    report.ranker = dict(ranker.version.metrics) if ranker.version else {}
    for name in SOURCE_NAMES:
        order = frame.sort_values(["profile_id", f"{name}_rank", "title_id"])
        report.rows[f"{name} alone"] = _score(order, items, users, truth, k)
    p_play, p_complete, p_thumbs = ranker.predict(frame)
    for config in ("default", "satisfaction"):
        weights = BlendWeights(*blend_for(config))
        value = weights.value(p_play, p_complete, p_thumbs)
        order = frame.assign(v=-value).sort_values(["profile_id", "v", "title_id"])
        report.rows[f"ranker, {config} blend {blend_for(config)}"] = _score(
            order, items, users, truth, k
        )
    width = int(frame.groupby("profile_id").size().max())
    report.pool_recall = _score(frame, items, users, truth, width)["recall_played"]
    return report
