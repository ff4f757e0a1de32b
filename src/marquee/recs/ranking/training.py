"""Training the ranker on a temporal split, and scoring a page's candidate pool with it.

``fit_temporal`` is what precompute and the offline evaluation both call: sources fitted before a
cutoff, rows and labels from ``dataset.build_temporal`` (the play head's from
``impression_labels.build_impression`` when the lake showed enough), three heads from ``ranker``.
``PageRanker`` holds a fitted ranker with the sources and history statistics as of now, and turns
a batch of profiles into their candidate pools, ordered by any configuration's blend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lightgbm.basic import LightGBMError

from marquee.features.offline import OfflineFeatures
from marquee.recs.candidates import make_model
from marquee.recs.candidates.base import Recommender
from marquee.recs.candidates.neighbours import ItemKNN
from marquee.recs.candidates.popularity import Trending
from marquee.recs.data import IdMap, IntArray, from_events
from marquee.recs.errors import InvalidDataError
from marquee.recs.precompute_data import popularity
from marquee.recs.ranking.dataset import (
    History,
    SourceFitter,
    Sources,
    TrainingSet,
    build_temporal,
    candidate_frame,
    stacked,
    temporal_cutoff,
)
from marquee.recs.ranking.impression_labels import Impressions, build_impression, enough
from marquee.recs.ranking.ranker import (
    IMPRESSIONS,
    TEMPORAL,
    BlendWeights,
    FloatArray,
    MultiObjectiveRanker,
)

KNN_NEIGHBOURS = 60
TRENDING_HALF_LIFE_DAYS = 7.0


def fit_sources(
    events: pd.DataFrame,
    as_of: int,
    *,
    items: IdMap,
    model: str,
    item_text: pd.DataFrame | None = None,
    segment_of: Mapping[int, str] | None = None,
) -> Sources | None:
    """Every candidate source fitted on ``events`` (None when they hold no interactions)."""
    if len(events) == 0:
        return None
    snapshot = from_events(events, items=items)
    if snapshot.n_users == 0 or snapshot.nnz == 0:
        return None
    segments = dict(segment_of or {})
    return Sources(
        top=make_model(model, item_text=item_text).fit(snapshot),
        knn=ItemKNN(neighbours=KNN_NEIGHBOURS).fit(snapshot),
        trending=Trending(half_life_days=TRENDING_HALF_LIFE_DAYS, now=as_of).fit(snapshot),
        popular=popularity(events, segments),
        segment_of=segments,
    )


def window_cutoffs(events: pd.DataFrame, *, holdout: float, windows: int) -> list[int]:
    """The training windows' cutoffs, latest first: the first leaves the last ``holdout`` share
    of events after it, each further one moves back by the same share."""
    shares = [holdout * (n + 1) for n in range(windows) if holdout * (n + 1) < 1.0]
    return [temporal_cutoff(events, holdout=share) for share in shares]


def _fitted_once(fit_sources: SourceFitter) -> SourceFitter:
    """``fit_sources`` for one window: its temporal and impression rows share one fit (both
    ask for the same events before the same cutoff)."""
    fitted: dict[int, Sources | None] = {}

    def fit(history: pd.DataFrame, as_of: int) -> Sources | None:
        if as_of not in fitted:
            fitted[as_of] = fit_sources(history, as_of)
        return fitted[as_of]

    return fit


def fit_temporal(
    events: pd.DataFrame,
    *,
    fit_sources: SourceFitter,
    pool: int,
    genres: pd.DataFrame | None = None,
    snapshot_id: str = "",
    holdout: float = 0.2,
    windows: int = 1,
    store: OfflineFeatures | None = None,
    impressions: Impressions | None = None,
) -> MultiObjectiveRanker | None:
    """A ranker trained on temporal splits of ``events`` (``window_cutoffs``; labels of a window:
    the events up to the next cutoff). Every window fits the sources again, so more windows mean
    more rows at the price of more fits. With ``impressions`` (from the lake) the play head
    learns from the windows whose impression rows pass ``impression_labels.enough``, the
    others' temporal proxy left out; ``complete`` and ``thumbs`` keep the temporal rows. None
    when there is too little data or the labels are degenerate. With a ``store`` (the lake's
    events) the rows also carry the feature store's point-in-time features; serving must then
    pass one too."""
    if len(events) == 0:
        return None
    cutoffs = window_cutoffs(events, holdout=holdout, windows=windows)
    temporal: list[TrainingSet] = []
    shown: list[TrainingSet] = []
    for at, until in zip(cutoffs, [None, *cutoffs[:-1]], strict=True):
        fit = _fitted_once(fit_sources)
        rows = build_temporal(
            events, cutoff=at, until=until, fit_sources=fit, pool=pool, genres=genres, store=store
        )
        temporal += [rows] if rows is not None else []
        if impressions is None:
            continue
        labelled = build_impression(
            events, impressions, cutoff=at, until=until, fit_sources=fit, genres=genres, store=store
        )
        shown += [labelled] if labelled is not None and enough(labelled) else []
    return _fit(stacked(temporal), stacked(shown), snapshot_id)


def _fit(
    temporal: TrainingSet | None, shown: TrainingSet | None, snapshot_id: str
) -> MultiObjectiveRanker | None:
    """The heads on the temporal rows, the play head on the impression rows when there are
    any (on those alone when no window had temporal rows)."""
    main = temporal if temporal is not None else shown
    if main is None:
        return None
    cutoff = max(s.cutoff for s in (temporal, shown) if s is not None)
    try:
        return MultiObjectiveRanker().fit(
            main.frame,
            main.features,
            snapshot_id=snapshot_id,
            cutoff=cutoff,
            shown=shown.frame if temporal is not None and shown is not None else None,
            labels=TEMPORAL if temporal is not None else IMPRESSIONS,
        )
    except (InvalidDataError, LightGBMError):
        return None


@dataclass(frozen=True)
class ScoredPool:
    """A profile's candidates and the ranker's three probabilities for each."""

    titles: IntArray
    p_play: FloatArray
    p_complete: FloatArray
    p_thumbs: FloatArray

    def ordered(self, weights: BlendWeights, k: int) -> list[tuple[int, float]]:
        """The ``k`` best titles by the blend, with their blended value, best first."""
        value = weights.value(self.p_play, self.p_complete, self.p_thumbs)
        # Ties (equal predictions) keep title order, so pages are deterministic.
        order = np.lexsort((self.titles, -value))[:k]
        return [(int(self.titles[i]), round(float(value[i]), 6)) for i in order]


@dataclass(frozen=True)
class PageRanker:
    """A fitted ranker with the sources and history statistics it scores candidates from."""

    model: MultiObjectiveRanker
    sources: Sources
    history: History
    store: OfflineFeatures | None = None  # needed when the model was trained with one

    @classmethod
    def for_serving(
        cls,
        model: MultiObjectiveRanker,
        *,
        top: Recommender,
        knn: Recommender,
        events: pd.DataFrame,
        popular: Mapping[str, Sequence[tuple[int, float]]],
        segment_of: Mapping[int, str],
        genres: pd.DataFrame | None,
        now: int,
    ) -> PageRanker:
        """Scoring as of the latest event (or ``now`` if earlier), as the training windows were:
        a platform whose data stops long before now (an import) is not scored as years idle.
        Trending is refitted as of that time for the same reason."""
        as_of = min(now, int(events["timestamp"].max()) + 1) if len(events) else now
        snapshot = from_events(events, items=top.items)
        trending = Trending(half_life_days=TRENDING_HALF_LIFE_DAYS, now=as_of).fit(snapshot)
        sources = Sources(top, knn, trending, popular, dict(segment_of))
        return cls(model, sources, History.of(events, as_of, genres))

    def score(self, profiles: Sequence[int], pool: int) -> dict[int, ScoredPool]:
        """Each profile's candidate pool (every source's top ``pool``) with its predictions."""
        if not profiles:
            return {}
        frame = candidate_frame(self.sources, self.history, profiles, pool=pool, store=self.store)
        play, complete, thumbs = self.model.predict(frame)
        out: dict[int, ScoredPool] = {}
        groups = frame.groupby("profile_id", sort=False).indices
        for profile, rows in groups.items():
            titles = frame["title_id"].to_numpy(np.int64)[rows]
            out[int(profile)] = ScoredPool(titles, play[rows], complete[rows], thumbs[rows])
        return out
