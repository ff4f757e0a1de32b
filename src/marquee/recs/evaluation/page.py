"""Whole-page offline evaluation: each test user's homepage, built with precompute's own
functions from models fitted on the training part, scored as a page against held-out rows.

A page is a grid: rows in page order, each row's titles left to right, every title once
(``rows.build_page`` deduplicates). Two views of it are scored, each against the single Top
Picks list given exactly the same cells (laid into them row-major, so both fill the same
number of slots in the same shape):

* ``page`` — every row, every column the page holds (at most ``max_rows`` × ``row_length``);
* ``screen`` — the first 5 rows × first 6 columns, roughly what a TV or laptop shows before
  any scrolling.

Metrics per user, averaged over users with held-out rows (every held-out row relevant, as in
``metrics.py``; ``|rel|`` counts relevant rows the universe cannot hold):

* ``recall`` = relevant titles on the page / |rel|;
* ``ndcg`` — the page flattened row-major (row 1 left to right, then row 2, ...), binary gain,
  discount 1 / log₂(1 + r), ideal = the min(|rel|, slots) best slots;
* ``ndcg2d`` — the grid with a discount on both axes, 1 / (log₂(1 + i) · log₂(1 + j)) for row
  i and column j: attention falls off down the page and along a row at once, the top-left
  triangle that Felicioni, Ferrari Dacrema and Cremonesi's two-dimensional carousel nDCG models
  (UMAP 2021; Frontiers in Big Data 2022). Not their exact formula (theirs has weights α, β);
  the ideal puts min(|rel|, slots) hits in the page's best cells.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from marquee.config import RecsSettings
from marquee.recs.data import IdMap
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.page_data import home_data, latest, profile_row, title_cards
from marquee.recs.evaluation.protocols import Stage, make_split
from marquee.recs.postrank import Audience, Rules
from marquee.recs.precompute import base_rules, profile_pages
from marquee.recs.precompute_data import HomeData, ProfileRow
from marquee.recs.precompute_models import Models, fit_models
from marquee.recs.rows import PageInputs, Row, build_page, rules_for
from marquee.services.title_cards import TitleCard

Grid = Sequence[Sequence[int]]
PAGE_METRICS = ("recall", "ndcg", "ndcg2d")
# The page; Top Picks alone post-ranked by the same rules; the candidate model's raw list.
LISTS = ("page", "top-picks", "model")


@dataclass(frozen=True)
class Viewport:
    name: str
    rows: int  # 0: all
    columns: int  # 0: all


VIEWPORTS = (Viewport("page", 0, 0), Viewport("screen", 5, 6))


def crop(page: Grid, view: Viewport) -> list[list[int]]:
    rows = page[: view.rows] if view.rows else page
    return [list(row[: view.columns] if view.columns else row) for row in rows]


def lay_out(ranked: Sequence[int], like: Grid) -> list[list[int]]:
    """``ranked`` poured into the cells of ``like`` row-major: a single list given the page's
    slots and shape (short when ``ranked`` runs out)."""
    out: list[list[int]] = []
    at = 0
    for row in like:
        out.append(list(ranked[at : at + len(row)]))
        at += len(row)
    return out


def cell_weights(grid: Grid) -> list[float]:
    """The 2-D discount of each cell, row-major."""
    return [
        1.0 / (math.log2(2 + i) * math.log2(2 + j))
        for i, row in enumerate(grid)
        for j in range(len(row))
    ]


def page_scores(grid: Grid, relevant: Set[int], n_relevant: int) -> dict[str, float]:
    """recall, row-major nDCG and 2-D nDCG of one page (see the module doc)."""
    flat = [t for row in grid for t in row]
    if n_relevant <= 0 or not flat:
        return dict.fromkeys(PAGE_METRICS, 0.0)
    seen: set[int] = set()
    hits = []
    for tid in flat:
        hits.append(tid in relevant and tid not in seen)
        seen.add(tid)
    best = min(n_relevant, len(flat))
    linear = [1.0 / math.log2(2 + r) for r in range(len(flat))]
    square = cell_weights(grid)
    return {
        "recall": sum(hits) / n_relevant,
        "ndcg": _ratio(linear, hits, best, ordered=True),
        "ndcg2d": _ratio(square, hits, best, ordered=False),
    }


def _ratio(weights: list[float], hits: list[bool], best: int, *, ordered: bool) -> float:
    gained = sum(w for w, h in zip(weights, hits, strict=True) if h)
    ideal = sum(weights[:best] if ordered else sorted(weights, reverse=True)[:best])
    return gained / ideal if ideal else 0.0


@dataclass
class PageReport:
    dataset: str
    protocol: str
    seed: int
    model: str
    stats: dict[str, int]
    # view → list ("page" | "top-picks") → metric → mean
    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    slots: dict[str, float] = field(default_factory=dict)  # view → mean slots per user
    rows: dict[str, dict[str, float]] = field(default_factory=dict)  # row kind → figures
    date: str = ""
    command: str = ""


@dataclass
class Prepared:
    """A split turned into precompute's inputs and fitted models."""

    profiles: list[ProfileRow]
    data: HomeData
    models: Models
    truth: dict[int, set[int]]  # held-out titles per test user
    now: datetime
    stats: dict[str, int]


def prepare(dataset: Dataset, *, protocol: str, seed: int, settings: RecsSettings) -> Prepared:
    stage, items = _stage(dataset, protocol, seed)
    if stage.fold_in is not None:
        raise InvalidDataError("--protocol", "pages need users the models were fitted on")
    train = stage.fit
    cards = title_cards(dataset, items)
    now = latest(train)
    profiles = _profiles(train, stage.target, stage.exclude, cards)
    data = home_data(
        train, cards=cards, items=items, item_text=dataset.item_text, profiles=profiles, now=now
    )
    models = fit_models(data, settings, now)
    if models is None:
        raise InvalidDataError("--data", "nothing to fit on")
    truth = {int(u): set(g.tolist()) for u, g in stage.target.groupby("user_id")["item_id"]}
    stats = {"train_rows": len(train), "test_users": len(profiles), "items": len(items)}
    return Prepared(profiles, data, models, truth, now, stats)


def evaluate_pages(
    dataset: Dataset,
    *,
    protocol: str = "later",
    seed: int = 42,
    settings: RecsSettings | None = None,
) -> PageReport:
    """Build every test user's page and the Top Picks list alone; score both per viewport."""
    settings = settings or RecsSettings()
    ready = prepare(dataset, protocol=protocol, seed=seed, settings=settings)
    pages = dict(profile_pages(ready.profiles, ready.data, ready.models, settings, ready.now))
    alone = top_picks_alone(ready.models, ready.profiles, settings.max_rows * settings.row_length)
    report = PageReport(dataset.name, protocol, seed, settings.candidate_model, ready.stats)
    for view in VIEWPORTS:
        found, slots = score_view(
            view, ready, pages, alone, rules_for(base_rules(settings), "default")
        )
        report.results[view.name] = found
        report.slots[view.name] = slots
    report.rows = row_figures(pages, ready.truth)
    return report


def score_view(
    view: Viewport,
    ready: Prepared,
    pages: Mapping[int, list[Row]],
    alone: list[list[int]],
    rules: Rules,
) -> tuple[dict[str, dict[str, float]], float]:
    """Mean metrics of the pages and of the single lists in the same cells, and mean slots."""
    found: dict[str, list[dict[str, float]]] = {name: [] for name in LISTS}
    slots = []
    for n, profile in enumerate(ready.profiles):
        relevant = ready.truth[profile.profile_id]
        grid = crop([[p.title_id for p in row.items] for row in pages[profile.profile_id]], view)
        size = sum(len(r) for r in grid)
        slots.append(size)
        ruled = post_ranked(alone[n], profile, ready, replace(rules, row_length=max(size, 1)))
        found["page"].append(page_scores(grid, relevant, len(relevant)))
        found["top-picks"].append(page_scores(lay_out(ruled, grid), relevant, len(relevant)))
        found["model"].append(page_scores(lay_out(alone[n], grid), relevant, len(relevant)))
    return {name: _mean(scores) for name, scores in found.items()}, float(np.mean(slots or [0]))


def post_ranked(ranked: list[int], profile: ProfileRow, ready: Prepared, rules: Rules) -> list[int]:
    """The Top Picks row alone, ``rules.row_length`` long, through the page's own post-ranking
    (new-release boost, diversity, exploration): the single list a profile would see."""
    pool = ranked[: rules.row_length * 4]
    inputs = PageInputs(
        name="",
        audience=Audience(profile.max_level, profile.country, profile.blocked),
        top_picks=[(t, float(len(pool) - r)) for r, t in enumerate(pool)],
        fresh=ready.data.fresh,
        seed=profile.profile_id,
    )
    rows = build_page(inputs, ready.data.cards, rules, ready.now)
    top = next((row for row in rows if row.key == "top-picks"), None)
    return [p.title_id for p in top.items] if top else []


def _stage(dataset: Dataset, protocol: str, seed: int) -> tuple[Stage, IdMap]:
    if protocol == "later":
        return later_split(dataset.ratings), IdMap.from_values(dataset.ratings["item_id"])
    if protocol == "later-valid":
        # Tuning stage: the same split applied again to the training part, so knobs of the
        # page are chosen without seeing the test rows.
        inner = later_split(later_split(dataset.ratings).fit)
        return inner, IdMap.from_values(dataset.ratings["item_id"])
    split = make_split(dataset.ratings, protocol, seed=seed)
    return split.test, split.items


def _profiles(
    train: pd.DataFrame,
    target: pd.DataFrame,
    exclude: pd.DataFrame | None,
    cards: Mapping[int, TitleCard],
) -> list[ProfileRow]:
    histories = {int(u): g for u, g in train.groupby("user_id")}
    masked: dict[int, list[int]] = {}
    if exclude is not None:
        masked = {int(u): g["item_id"].tolist() for u, g in exclude.groupby("user_id")}
    users = sorted(int(u) for u in target["user_id"].unique() if int(u) in histories)
    return [profile_row(u, histories[u], cards, masked.get(u, ())) for u in users]


def top_picks_alone(models: Models, profiles: Sequence[ProfileRow], k: int) -> list[list[int]]:
    """The candidate model's list for each profile, its blocked titles removed: the single
    Top Picks list, unbounded by a row's length."""
    extra = max((len(p.blocked) for p in profiles), default=0)
    users = models.top.users.index([p.profile_id for p in profiles])
    ids, _ = models.top.recommend(users, min(k + extra, models.top.n_items))
    out = []
    for n, profile in enumerate(profiles):
        row = ids[n][ids[n] >= 0]
        ranked = [int(t) for t in models.top.items.to_raw(row) if int(t) not in profile.blocked]
        out.append(ranked[:k])
    return out


def row_figures(
    pages: Mapping[int, list[Row]], truth: Mapping[int, set[int]]
) -> dict[str, dict[str, float]]:
    """Per row kind: how often it is on the page, its mean position, hits per slot."""
    shown: Counter[str] = Counter()
    position: Counter[str] = Counter()
    slots: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for user, rows in pages.items():
        relevant = truth[user]
        for at, row in enumerate(rows):
            kind = row.key.split("-", 1)[0]
            shown[kind] += 1
            position[kind] += at + 1
            slots[kind] += len(row.items)
            hits[kind] += sum(p.title_id in relevant for p in row.items)
    users = max(len(pages), 1)
    return {
        kind: {
            "rows_per_page": shown[kind] / users,
            "mean_position": position[kind] / shown[kind],
            "hits_per_slot": hits[kind] / max(slots[kind], 1),
            "hits_per_page": hits[kind] / users,
        }
        for kind in sorted(shown, key=lambda k: position[k] / shown[k])
    }


def _mean(found: list[dict[str, float]]) -> dict[str, float]:
    return {m: float(np.mean([f[m] for f in found])) if found else 0.0 for m in PAGE_METRICS}


def later_split(ratings: pd.DataFrame, *, share: float = 0.2, min_rows: int = 5) -> Stage:
    """Each user's last ``share`` of rows by time (at least one) held out: the page is built
    from what came before and scored on what the user did next. Users with fewer than
    ``min_rows`` rows stay in training only."""
    ordered = ratings.assign(_row=np.arange(len(ratings))).sort_values(
        ["user_id", "timestamp", "_row"], kind="stable"
    )
    n = ordered["user_id"].map(ordered["user_id"].value_counts()).to_numpy()
    from_end = ordered.groupby("user_id", sort=False).cumcount(ascending=False).to_numpy()
    held = np.maximum(1, (share * n).astype(np.int64))
    is_target = (n >= min_rows) & (from_end < held)
    frame = ordered.drop(columns="_row")
    return Stage(frame[~is_target], frame[is_target])


def page_markdown(report: PageReport) -> str:
    """The report as markdown tables: metrics per view and list, then the rows' share."""
    lines = [
        f"Dataset {report.dataset}, protocol {report.protocol}, Top Picks model "
        f"{report.model}, {report.stats['test_users']} test users, {report.stats['items']} "
        "items.",
        "",
        "| view (mean slots) | list | recall | nDCG (row-major) | nDCG (2-D) |",
        "|---|---|---:|---:|---:|",
    ]
    for view, lists in report.results.items():
        for name, found in lists.items():
            cells = " | ".join(f"{found[m]:.4f}" for m in PAGE_METRICS)
            lines.append(f"| {view} ({report.slots[view]:.1f}) | {name} | {cells} |")
    lines += [
        "",
        "| row kind | rows per page | mean position | hits per slot |",
        "|---|---:|---:|---:|",
    ]
    for kind, figures in report.rows.items():
        lines.append(
            f"| {kind} | {figures['rows_per_page']:.2f} | {figures['mean_position']:.2f} | "
            f"{figures['hits_per_slot']:.4f} |"
        )
    return "\n".join(lines) + "\n"
