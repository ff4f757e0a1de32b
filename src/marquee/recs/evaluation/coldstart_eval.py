"""Cold start simulated on held-out users: three onboarding picks taken from each user's own
history, rows built by the serving path's cold-start code, scored on what the user rated after.

Protocol (``evaluate_coldstart``):

* ``share`` of the users (seeded) are held out; every model and popularity list learns from
  the other users only, so a held-out user is new to all of them.
* Picks: the user's first three liked ratings (≥ 4 stars) in time order — MovieLens asked new
  members to rate titles at sign-up, so these are its own onboarding answers. The user's
  *later* interactions are every rating after the third pick in time order (with ``gap_days``,
  only those at least that long after it: later sessions), all relevant as in ``metrics.py``;
  users without one are skipped.
* The cold-start path is ``coldstart.picks_inputs`` with the neighbours precompute stores
  (item-kNN, 30 per title, positive similarity only) and the popularity ``PopularTitles``
  serves (distinct users per title, top 400), then ``rows.build_page`` with the default rules,
  exactly as ``HomeService`` builds a ``coldstart`` page.
* Lists scored at 10: ``popularity`` (the popular list minus the picks), ``blend`` (the Top
  Picks candidates: picks' neighbours blended with popularity), ``top-picks row`` (that row as
  shown, after post-ranking) and ``first row`` (the row the page leads with). Page-level
  metrics of the whole cold-start page and its first screen (see ``page.py``) are given
  against popularity in the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from marquee.config import RecsSettings
from marquee.recs.candidates.neighbours import ItemKNN
from marquee.recs.coldstart import POOL, Picks, picks_inputs
from marquee.recs.data import IdMap, from_events
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.page import VIEWPORTS, crop, lay_out, page_scores
from marquee.recs.evaluation.page_data import COUNTRY, LIKED, as_events, latest, title_cards
from marquee.recs.postrank import Pick
from marquee.recs.precompute import base_rules
from marquee.recs.precompute_models import NEIGHBOURS
from marquee.recs.rows import Row, build_page
from marquee.services.title_cards import TitleCard
from marquee.services.viewers import Viewer

PICKS = 3
K = 10
LISTS = ("popularity", "blend", "top-picks row", "first row")


@dataclass(frozen=True)
class NewUser:
    user_id: int
    picks: list[int]
    later: set[int]


@dataclass
class ColdReport:
    dataset: str
    seed: int
    share: float
    gap_days: float
    stats: dict[str, int]
    results: dict[str, dict[str, float]] = field(default_factory=dict)  # list → metric → mean
    pages: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # view → ...
    date: str = ""
    command: str = ""


def hold_out(
    ratings: pd.DataFrame, *, share: float, seed: int, gap_days: float = 0.0
) -> tuple[pd.DataFrame, list[NewUser]]:
    """Training ratings (the other users) and each held-out user's picks and later titles."""
    users = np.unique(ratings["user_id"].to_numpy())
    rng = np.random.default_rng(seed)
    chosen = set(rng.permutation(users)[: max(1, int(share * users.shape[0]))].tolist())
    held = ratings["user_id"].isin(chosen)
    ordered = (
        ratings[held]
        .assign(_row=np.arange(int(held.sum())))
        .sort_values(["user_id", "timestamp", "_row"], kind="stable")
    )
    out = []
    for user, history in ordered.groupby("user_id", sort=True):
        new = earliest_picks(int(user), history, gap_days=gap_days)
        if new is not None:
            out.append(new)
    return ratings[~held], out


def earliest_picks(user: int, history: pd.DataFrame, *, gap_days: float = 0.0) -> NewUser | None:
    """The first three liked titles of a time-ordered history, and everything rated after
    (at least ``gap_days`` after the third pick)."""
    liked = np.flatnonzero(history["rating"].to_numpy() >= LIKED)
    if liked.shape[0] < PICKS:
        return None
    items = history["item_id"].to_numpy()
    picks = [int(t) for t in items[liked[:PICKS]]]
    after = np.arange(items.shape[0]) > liked[PICKS - 1]
    stamps = history["timestamp"].to_numpy()
    after &= stamps >= stamps[liked[PICKS - 1]] + gap_days * 86_400
    later = {int(t) for t in items[after]} - set(picks)
    return NewUser(user, picks, later) if later else None


@dataclass(frozen=True)
class _Serving:
    """What the request path has for a new profile: cards, stored neighbours, popularity."""

    cards: dict[int, TitleCard]
    neighbours: dict[int, list[tuple[int, float]]]
    popular: list[tuple[int, float]]
    now: datetime


def evaluate_coldstart(
    dataset: Dataset,
    *,
    share: float = 0.2,
    seed: int = 42,
    gap_days: float = 0.0,
    settings: RecsSettings | None = None,
) -> ColdReport:
    """Score the cold-start lists and pages of held-out users against popularity."""
    settings = settings or RecsSettings()
    train, newcomers = hold_out(dataset.ratings, share=share, seed=seed, gap_days=gap_days)
    if train.empty or not newcomers:
        raise InvalidDataError("--data", "too few users with three liked ratings to hold out")
    items = IdMap.from_values(train["item_id"].to_numpy())
    knn = ItemKNN(neighbours=NEIGHBOURS * 2).fit(from_events(as_events(train), items=items))
    serving = _Serving(
        title_cards(dataset, items), _neighbour_table(knn), _popular(train), latest(train)
    )
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in LISTS}
    views: dict[str, dict[str, list[dict[str, float]]]] = {
        v.name: {"cold start": [], "popularity": []} for v in VIEWPORTS
    }
    for new in newcomers:
        rows, lists = _cold_page(new, serving, settings)
        for name, ids in lists.items():
            scores[name].append(page_scores([ids[:K]], new.later, len(new.later)))
        for view in VIEWPORTS:
            grid = crop([_ids(r.items) for r in rows], view)
            laid = lay_out(lists["popularity"], grid)
            views[view.name]["cold start"].append(page_scores(grid, new.later, len(new.later)))
            views[view.name]["popularity"].append(page_scores(laid, new.later, len(new.later)))
    report = ColdReport(dataset.name, seed, share, gap_days, _stats(train, newcomers, items))
    report.results = {name: _mean(found) for name, found in scores.items()}
    report.pages = {
        view: {name: _mean(found) for name, found in lists_.items()}
        for view, lists_ in views.items()
    }
    return report


def _cold_page(
    new: NewUser, serving: _Serving, settings: RecsSettings
) -> tuple[list[Row], dict[str, list[int]]]:
    """The new user's cold-start page, as ``HomeService`` builds it, and the lists scored."""
    viewer = Viewer(new.user_id, f"user {new.user_id}", 100, COUNTRY, None, False)
    inputs = picks_inputs(
        viewer,
        Picks(new.picks, [], None),
        popular=serving.popular,
        cards=serving.cards,
        neighbours=lambda t: serving.neighbours.get(t, []),
        k=settings.row_length * 4,
    )
    rows = build_page(inputs, serving.cards, base_rules(settings), serving.now)
    rows = rows[: settings.max_rows]
    return rows, {
        "popularity": [t for t, _ in serving.popular if t not in new.picks],
        "blend": [t for t, _ in inputs.top_picks],
        "top-picks row": _ids(next((r.items for r in rows if r.key == "top-picks"), [])),
        "first row": _ids(rows[0].items if rows else []),
    }


def _neighbour_table(knn: ItemKNN) -> dict[int, list[tuple[int, float]]]:
    """Each title's stored neighbours, as precompute writes them (positive similarity)."""
    ids, scores = knn.similar_items(np.arange(knn.n_items), NEIGHBOURS)
    raw = knn.items.raw
    table: dict[int, list[tuple[int, float]]] = {}
    for row, title in enumerate(raw.tolist()):
        keep = (ids[row] >= 0) & (scores[row] > 0)
        table[int(title)] = [
            (int(raw[i]), float(s)) for i, s in zip(ids[row][keep], scores[row][keep], strict=True)
        ]
    return table


def _popular(train: pd.DataFrame) -> list[tuple[int, float]]:
    """``PopularTitles``: distinct users per title, most first, ties by title id."""
    counts = train.groupby("item_id")["user_id"].nunique().reset_index()
    counts = counts.sort_values(["user_id", "item_id"], ascending=[False, True]).head(POOL)
    return [(int(t), float(n)) for t, n in counts.itertuples(index=False)]


def _ids(picks: list[Pick]) -> list[int]:
    return [p.title_id for p in picks]


def _stats(train: pd.DataFrame, newcomers: list[NewUser], items: IdMap) -> dict[str, int]:
    return {
        "train_rows": len(train),
        "train_users": int(train["user_id"].nunique()),
        "items": len(items),
        "held_out_users": len(newcomers),
        "later_rows": sum(len(n.later) for n in newcomers),
    }


def _mean(found: list[dict[str, float]]) -> dict[str, float]:
    keys = found[0].keys() if found else ()
    return {m: float(np.mean([f[m] for f in found])) for m in keys}


def coldstart_markdown(report: ColdReport) -> str:
    """The report as markdown: lists at 10, then pages against popularity in the same cells."""
    s = report.stats
    base = report.results["popularity"]["ndcg"] or 1.0
    lines = [
        f"Dataset {report.dataset}: {s['held_out_users']} held-out users ({report.share:.0%}, "
        f"seed {report.seed}), {s['later_rows']} later ratings (from {report.gap_days:g} days "
        f"after the third pick); models fitted on "
        f"{s['train_users']} other users.",
        "",
        "| list | nDCG@10 | recall@10 | × popularity nDCG@10 |",
        "|---|---:|---:|---:|",
    ]
    for name, found in report.results.items():
        lines.append(
            f"| {name} | {found['ndcg']:.4f} | {found['recall']:.4f} | {found['ndcg'] / base:.2f} |"
        )
    lines += [
        "",
        "| view | list | recall | nDCG (row-major) | nDCG (2-D) |",
        "|---|---|---:|---:|---:|",
    ]
    for view, lists in report.pages.items():
        for name, found in lists.items():
            lines.append(
                f"| {view} | {name} | {found['recall']:.4f} | {found['ndcg']:.4f} | "
                f"{found['ndcg2d']:.4f} |"
            )
    return "\n".join(lines) + "\n"
