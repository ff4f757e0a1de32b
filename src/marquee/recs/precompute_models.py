"""The sources precompute fits on each run: the Top Picks model, item-kNN, trending and the
multi-objective ranker that orders their candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

import pandas as pd

from marquee.config import RecsSettings
from marquee.recs.candidates import make_model
from marquee.recs.candidates.base import Recommender
from marquee.recs.candidates.neighbours import ItemKNN
from marquee.recs.candidates.popularity import Trending
from marquee.recs.data import from_events
from marquee.recs.precompute_data import HomeData, lake_impressions
from marquee.recs.ranking.training import PageRanker, fit_sources, fit_temporal, window_cutoffs
from marquee.storage.lake import Lake

NEIGHBOURS = 30  # a title's stored neighbours (More Like This, cold start)
HOLDOUT = 0.2  # share of events after the ranker's latest cutoff (and between its windows')


@dataclass
class Models:
    """The fitted sources: the configured top-picks model, item-kNN and trending."""

    top: Recommender
    knn: ItemKNN
    trending: Trending
    ranker: PageRanker | None = None  # orders Top Picks by the blend (None: the top model's order)


def fit_models(data: HomeData, settings: RecsSettings, now: datetime) -> Models | None:
    """The fitted sources, or None while there is nothing to learn from (no titles or no
    interactions): pages are then built from popularity and the catalog alone."""
    if len(data.items) == 0 or len(data.events) == 0:
        return None
    snapshot = from_events(data.events, items=data.items)
    if snapshot.n_users == 0:
        return None
    top = make_model(settings.candidate_model, item_text=data.item_text).fit(snapshot)
    knn = ItemKNN(neighbours=NEIGHBOURS * 2).fit(snapshot)
    trending = Trending(half_life_days=7.0, now=int(now.timestamp())).fit(snapshot)
    return Models(top, knn, trending)


def fit_ranker(
    data: HomeData,
    models: Models,
    settings: RecsSettings,
    now: datetime,
    *,
    lake: Lake | None = None,
) -> PageRanker | None:
    """The multi-objective ranker, trained on a temporal split of the events (see
    ``ranking/dataset.py``), its play head on the lake's impressions where a window has enough
    (``ranking/impression_labels.py``), ready to score pages; None while there is too little
    data or ``ranker_windows`` is 0."""
    if settings.ranker_windows == 0 or len(data.events) == 0:
        return None
    cutoffs = window_cutoffs(data.events, holdout=HOLDOUT, windows=settings.ranker_windows)
    # Only the windows' impressions are read: from the earliest cutoff on.
    shown = lake_impressions(lake, since=min(cutoffs)) if lake is not None and cutoffs else None
    segment_of = {p.profile_id: p.segment for p in data.profiles}
    genres = pd.DataFrame(
        [(t, g) for t, card in data.cards.items() for g in card.genres],
        columns=["title_id", "genre"],
    )
    fitter = partial(
        fit_sources,
        items=data.items,
        model=settings.candidate_model,
        item_text=data.item_text,
        segment_of=segment_of,
    )
    # The data snapshot (kNN is always fitted on this run's data; Top Picks may be an older
    # promoted model).
    snapshot = models.knn.version.snapshot_id if models.knn.version else ""
    pool = settings.row_length * 4
    model = fit_temporal(
        data.events,
        fit_sources=fitter,
        pool=pool,
        genres=genres,
        snapshot_id=snapshot,
        holdout=HOLDOUT,
        windows=settings.ranker_windows,
        impressions=shown,
    )
    if model is None:
        return None
    return PageRanker.for_serving(
        model,
        top=models.top,
        knn=models.knn,
        events=data.events,
        popular=data.popular,
        segment_of=segment_of,
        genres=genres,
        now=int(now.timestamp()),
    )
