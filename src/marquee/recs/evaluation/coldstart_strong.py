"""Cold start under the strong-generalisation protocol, the blend weight chosen on validation
users only (``marquee evaluate-coldstart --protocol strong``).

Protocol (``evaluate_strong``), as ``protocols.strong_split``: ratings > 3.5 are positives and
only users with ≥ 5 positives count; ``share`` of them (seeded) are validation users and another
``share`` test users, disjoint; every model learns from the other users' positives only, and
held-out positives of titles no training user liked are dropped. Relevant = the user's other
positives (binary gain), never the picks. Two ways to choose the three picks:

* ``earliest`` — the first three positives by time; relevant = the positives after them.
* ``onboarding`` — the choice set the product shows (``coldstart.diverse_popular`` over the
  training popularity, ``CHOICES`` titles): the user "picks" the three they rated highest among
  those shown (ties: earlier first), missing ones filled from their first positives by time.
  Relevant = every other positive (these picks are not a point in time).

Lists scored at 10: ``popularity`` (distinct training users per title), ``segment popularity``
(the user's age band, where the data has ``u.user``) and blends ``<model>+<popularity>`` made by
``coldstart._blend``, the serving function: the picks' model scores summed and scaled to
[0, 1] plus w × popularity scaled to [0, 1]. Models: ``knn`` (item-kNN, the 30 neighbours per
title precompute stores) and ``ease`` (EASE's B rows of the picks summed, top ``EASE_TOP``).
Each blend's w is chosen on validation users (nDCG@10) from ``WEIGHTS``; test users are scored
once, at that w.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from marquee.recs.candidates.ease import ease_weights
from marquee.recs.candidates.neighbours import ItemKNN
from marquee.recs.coldstart import (
    CHOICES,
    POPULARITY_WEIGHT,
    _blend,
    diverse_popular,
    popularity_weight,
)
from marquee.recs.data import IdMap, from_events, from_ratings
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.coldstart_eval import PICKS, _neighbour_table, _popular
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.page import page_scores
from marquee.recs.evaluation.page_data import as_events, title_cards
from marquee.recs.precompute_models import NEIGHBOURS
from marquee.services.imports.demographics import age_band
from marquee.services.title_cards import TitleCard

K = 10
POSITIVE = 3.5  # ratings above it are positives, as ``protocols.strong_split``
MIN_USER = 5
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
STRATEGIES = ("earliest", "onboarding")
EASE_L2 = 400.0  # the repository's default λ
EASE_TOP = 200
PREVIOUS_WEIGHT = 1.0  # ``coldstart.POPULARITY_WEIGHT`` before this protocol tuned it
POOL_K = 80  # the serving path blends ``row_length × 4`` candidates
Scored = list[tuple[int, float]]


@dataclass(frozen=True)
class Newcomer:
    user_id: int
    picks: list[int]
    relevant: set[int]


@dataclass
class StrongReport:
    dataset: str
    seed: int
    share: float
    stats: dict[str, int]
    # strategy → list → {"w", "valid_ndcg", "ndcg", "recall"} (test figures; w −1: no weight)
    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    date: str = ""
    command: str = ""


def positives_split(
    ratings: pd.DataFrame, *, share: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training positives, then the validation users' and the test users' positives."""
    positives = ratings[ratings["rating"] > POSITIVE]
    frame = positives[positives["user_id"].map(positives["user_id"].value_counts()) >= MIN_USER]
    users = np.random.default_rng(seed).permutation(np.unique(frame["user_id"].to_numpy()))
    n_out = max(1, int(share * users.shape[0]))
    if users.shape[0] < 2 * n_out + 1:
        raise InvalidDataError("--data", "too few users with ≥ 5 positive ratings")
    valid, test = (
        frame["user_id"].isin(users[:n_out]),
        frame["user_id"].isin(users[n_out : 2 * n_out]),
    )
    train = frame[~(valid | test)]
    known = frame["item_id"].isin(train["item_id"].unique())
    return train, frame[valid & known], frame[test & known]


def _ordered(history: pd.DataFrame) -> pd.DataFrame:
    rows = history.assign(_row=np.arange(len(history)))
    return rows.sort_values(["timestamp", "_row"], kind="stable")


def earliest_positives(user: int, history: pd.DataFrame) -> Newcomer | None:
    """The first three positives by time are the picks; the positives after them relevant."""
    items = list(dict.fromkeys(int(t) for t in _ordered(history)["item_id"]))
    if len(items) <= PICKS:
        return None
    return Newcomer(user, items[:PICKS], set(items[PICKS:]))


def onboarding_positives(user: int, history: pd.DataFrame, shown: Sequence[int]) -> Newcomer | None:
    """The three titles of ``shown`` the user rated highest, else their first positives."""
    ordered = _ordered(history)
    in_set = ordered[ordered["item_id"].isin(list(shown))]
    best = in_set.sort_values("rating", ascending=False, kind="stable")["item_id"]
    picks = list(dict.fromkeys(int(t) for t in best))[:PICKS]
    for tid in (int(t) for t in ordered["item_id"]):
        if len(picks) < PICKS and tid not in picks:
            picks.append(tid)
    relevant = {int(t) for t in ordered["item_id"]} - set(picks)
    return Newcomer(user, picks, relevant) if len(picks) == PICKS and relevant else None


def newcomers(frame: pd.DataFrame, strategy: str, shown: Sequence[int]) -> list[Newcomer]:
    out = []
    for user, history in frame.groupby("user_id", sort=True):
        if strategy == "earliest":
            new = earliest_positives(int(user), history)
        else:
            new = onboarding_positives(int(user), history, shown)
        if new is not None:
            out.append(new)
    return out


def read_bands(data: str | Path) -> dict[int, str]:
    """Each user's age band from MovieLens 100K's ``u.user`` (empty where there is none)."""
    path = Path(data) / "u.user"
    if not path.is_file():
        return {}
    users = pd.read_csv(path, sep="|", header=None, names=["user_id", "age", "g", "o", "z"])
    return {
        int(u): age_band(int(a)) or "-" for u, a in zip(users["user_id"], users["age"], strict=True)
    }


@dataclass(frozen=True)
class _Models:
    popular: Scored
    segments: dict[str, Scored]
    bands: Mapping[int, str]
    knn: dict[int, Scored]
    ease: Callable[[list[int]], Scored]
    cards: Mapping[int, TitleCard]


def _fit(train: pd.DataFrame, bands: Mapping[int, str], cards: Mapping[int, TitleCard]) -> _Models:
    items = IdMap.from_values(train["item_id"].to_numpy())
    knn = ItemKNN(neighbours=NEIGHBOURS * 2).fit(from_events(as_events(train), items=items))
    x = from_ratings(train, items=items, binary=True).binary()
    gram = np.asarray((x.T @ x).todense(), dtype=np.float32)
    gram[np.diag_indices_from(gram)] += np.float32(EASE_L2)
    b = ease_weights(gram)

    def ease(picks: list[int]) -> Scored:
        rows = items.index(picks)
        scores = b[rows[rows >= 0]].sum(axis=0)
        scores[rows[rows >= 0]] = -np.inf
        top = np.argsort(-scores)[:EASE_TOP]
        return [(int(t), float(s)) for t, s in zip(items.to_raw(top), scores[top], strict=True)]

    with_band = train.assign(band=train["user_id"].map(lambda u: bands.get(int(u), "-")))
    segments = {str(band): _popular(group) for band, group in with_band.groupby("band")}
    return _Models(_popular(train), segments, bands, _neighbour_table(knn), ease, cards)


def _lists(new: Newcomer, models: _Models) -> tuple[dict[str, list[Scored]], dict[str, Scored]]:
    """The model lists of the picks (picks removed), and the popularity lists."""
    chosen = set(new.picks)
    pops = {"popularity": models.popular}
    if models.bands:
        pops["segment popularity"] = models.segments.get(
            models.bands.get(new.user_id, "-"), models.popular
        )
    knn = [[(t, s) for t, s in models.knn.get(p, []) if t not in chosen] for p in new.picks]
    return {"knn": knn, "ease": [models.ease(new.picks)]}, pops


def _score(users: list[Newcomer], models: _Models) -> dict[tuple[str, float], list[float]]:
    """nDCG@10 and recall@10 per user of every list and weight: (name, w) → [ndcg, recall]…"""
    out: dict[tuple[str, float], list[float]] = {}
    for new in users:
        lists, pops = _lists(new, models)
        for pop, ranked in pops.items():
            popular = [(t, n) for t, n in ranked if t not in new.picks]
            _add(out, (pop, -1.0), [t for t, _ in popular[:K]], new)
            for w in WEIGHTS:
                for model, found in lists.items():
                    blended = [t for t, _ in _blend(found, popular, POOL_K, w)[:K]]
                    _add(out, (f"{model}+{pop}", w), blended, new)
                # The serving rule: w scaled by the share of picks outside the onboarding set.
                ruled = popularity_weight(new.picks, ranked, models.cards, w)
                blended = [t for t, _ in _blend(lists["knn"], popular, POOL_K, ruled)[:K]]
                _add(out, (f"knn+{pop}, onboarding rule", w), blended, new)
    return out


def _add(
    out: dict[tuple[str, float], list[float]], key: tuple[str, float], ids: list[int], new: Newcomer
) -> None:
    found = page_scores([ids], new.relevant, len(new.relevant))
    out.setdefault(key, []).extend([found["ndcg"], found["recall"]])


def _means(found: list[float]) -> tuple[float, float]:
    pairs = np.asarray(found).reshape(-1, 2)
    return float(pairs[:, 0].mean()), float(pairs[:, 1].mean())


def _choose(
    valid: dict[tuple[str, float], list[float]], test: dict[tuple[str, float], list[float]]
) -> dict[str, dict[str, float]]:
    """Per list, the weight best on validation and the test figures at it; item-kNN blends
    also at the previous serving weight (1) and the serving rule at its serving weight."""
    results: dict[str, dict[str, float]] = {}

    def at(name: str, w: float) -> dict[str, float]:
        ndcg, recall = _means(test[(name, w)])
        return {"w": w, "valid_ndcg": _means(valid[(name, w)])[0], "ndcg": ndcg, "recall": recall}

    for name in dict.fromkeys(name for name, _ in valid):
        weights = sorted(w for n, w in valid if n == name)
        best = max(
            weights, key=lambda w: (_means(valid[(name, w)])[0], -abs(w - POPULARITY_WEIGHT))
        )
        results[name] = at(name, best)
        if name.startswith("knn+"):
            w, label = (
                (POPULARITY_WEIGHT, "serving")
                if "rule" in name
                else (PREVIOUS_WEIGHT, "fixed w, previous serving")
            )
            if w in weights:
                results[f"{name} at w {w:g} ({label})"] = at(name, w)
    return results


def evaluate_strong(
    dataset: Dataset, *, bands: Mapping[int, str] | None = None, share: float = 0.1, seed: int = 42
) -> StrongReport:
    """Both pick strategies: popularity, segment popularity and the blends, w tuned on valid."""
    train, valid, test = positives_split(dataset.ratings, share=share, seed=seed)
    cards = title_cards(dataset, IdMap.from_values(train["item_id"].to_numpy()))
    models = _fit(train, bands or {}, cards)
    shown = diverse_popular([t for t, _ in models.popular], cards, CHOICES)
    report = StrongReport(
        dataset.name,
        seed,
        share,
        {"train_rows": len(train), "items": int(train["item_id"].nunique())},
    )
    for strategy in STRATEGIES:
        on_valid, on_test = newcomers(valid, strategy, shown), newcomers(test, strategy, shown)
        if not on_valid or not on_test:
            raise InvalidDataError("--data", "too few held-out users with three positives")
        report.stats[f"{strategy}_valid_users"] = len(on_valid)
        report.stats[f"{strategy}_test_users"] = len(on_test)
        report.results[strategy] = _choose(_score(on_valid, models), _score(on_test, models))
    return report


def strong_markdown(report: StrongReport) -> str:
    s = report.stats
    lines = [
        f"Dataset {report.dataset}, strong generalisation (positives > 3.5, users with ≥ 5; "
        f"{report.share:.0%} validation + {report.share:.0%} test users, seed {report.seed}); "
        f"models fitted on {s['train_rows']} training positives.",
    ]
    for strategy, lists in report.results.items():
        base = lists["popularity"]["ndcg"] or 1.0
        lines += [
            "",
            f"Picks: {strategy} ({s[f'{strategy}_valid_users']} validation, "
            f"{s[f'{strategy}_test_users']} test users)",
            "",
            "| list | w (chosen on valid) | valid nDCG@10 | test nDCG@10 | test recall@10 "
            "| × popularity |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, f in lists.items():
            w = "—" if f["w"] < 0 else f"{f['w']:g}"
            lines.append(
                f"| {name} | {w} | {f['valid_ndcg']:.4f} | {f['ndcg']:.4f} | {f['recall']:.4f} "
                f"| {f['ndcg'] / base:.2f} |"
            )
    return "\n".join(lines) + "\n"
