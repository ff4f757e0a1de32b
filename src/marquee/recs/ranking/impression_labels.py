"""Impression labels for the ranker's play head: P(play | shown) learnt from what the homepage
showed (the lake's ``impression`` events) and what each profile then did.

A window ``[cutoff, until)`` gives one row per (profile, title) shown in it, as of the first time
it was shown there. A title the profile had already interacted with by then is dropped (serving
never ranks a seen title, and a Continue Watching row would be an easy positive). ``play`` is 1
when the profile started playing the title (a ``play_start``), or rated, played, thumbed or listed
it (``dataset``'s played kinds), at or after that time and before ``until``: a play before the
impression is no positive. ``complete`` and ``thumbs`` follow ``dataset.temporal_labels`` over
the same events. Features and source scores are ``dataset.candidate_frame``'s over the events
before the cutoff (the feature store's as of the row's own time), so nothing at or after the
as-of time reaches them.

Selection rule (:func:`enough`, the one place it lives): a window's impression rows replace the
temporal proxy for the play head when they hold at least ``MIN_SHOWN_ROWS`` rows and
``MIN_SHOWN_POSITIVES`` plays; otherwise that window's play labels stay the temporal proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from marquee.domain.events import impression_titles
from marquee.features.offline import OfflineFeatures
from marquee.recs.ranking.dataset import (
    LABELS,
    History,
    SourceFitter,
    TrainingSet,
    candidate_frame,
    feature_names,
    temporal_labels,
)

# Below these a window's impression labels are too few to beat the proxy: with LightGBM's
# min_data_in_leaf of 100 (ranker.DEFAULT_PARAMS) the four fifths trained on make a few splits,
# and the held-out fifth keeps about five plays for its AUC.
MIN_SHOWN_ROWS = 500
MIN_SHOWN_POSITIVES = 25
EVENT_COLUMNS = ["user_id", "item_id", "kind", "value", "timestamp"]


@dataclass(frozen=True)
class Impressions:
    """What the lake says was shown and started (``precompute_data.lake_impressions``)."""

    rows: pd.DataFrame  # profile_id, title_id, context (JSON text), timestamp: one per event
    starts: pd.DataFrame  # play_start events as EVENT_COLUMNS rows (kind "play", value NaN)


def shown_titles(rows: pd.DataFrame) -> pd.DataFrame:
    """``profile_id, title_id, timestamp``: one row per title each impression showed (a row's
    impression lists its titles in ``context``; a client's own impression shows its one item)."""
    titles = [
        impression_titles(title, context)
        for title, context in zip(rows["title_id"], rows["context"], strict=True)
    ]
    counts = np.fromiter((len(t) for t in titles), dtype=np.int64, count=len(titles))
    return pd.DataFrame(
        {
            "profile_id": np.repeat(rows["profile_id"].to_numpy(np.int64), counts),
            "title_id": np.fromiter(chain.from_iterable(titles), dtype=np.int64),
            "timestamp": np.repeat(rows["timestamp"].to_numpy(np.int64), counts),
        }
    )


def first_shown(shown: pd.DataFrame) -> pd.DataFrame:
    """``profile_id, title_id, as_of``: each pair once, as of the first time it was shown."""
    first = shown.groupby(["profile_id", "title_id"], as_index=False)["timestamp"].min()
    return first.rename(columns={"timestamp": "as_of"})


def labelled_pairs(pairs: pd.DataFrame, outcomes: pd.DataFrame, until: int | None) -> pd.DataFrame:
    """The pairs the profile had not interacted with before their ``as_of``, with ``play``,
    ``complete`` and ``thumbs`` from ``outcomes`` at or after it (and before ``until``)."""
    keys = ["profile_id", "title_id"]
    events = outcomes.rename(columns={"user_id": "profile_id", "item_id": "title_id"})
    joined = events.merge(pairs, on=keys)
    seen = joined.loc[joined["timestamp"] < joined["as_of"], keys].drop_duplicates()
    later = joined["timestamp"] >= joined["as_of"]
    if until is not None:
        later &= joined["timestamp"] < until
    after = joined[later].rename(columns={"profile_id": "user_id", "title_id": "item_id"})
    fresh = pairs.merge(seen, how="left", on=keys, indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"].drop(columns="_merge")
    out = fresh.merge(temporal_labels(after[EVENT_COLUMNS]), how="left", on=keys)
    out[list(LABELS)] = out[list(LABELS)].fillna(0).astype(np.int64)
    return out.reset_index(drop=True)


def build_impression(
    events: pd.DataFrame,
    impressions: Impressions,
    *,
    cutoff: int,
    fit_sources: SourceFitter,
    until: int | None = None,
    genres: pd.DataFrame | None = None,
    max_profiles: int = 3000,
    store: OfflineFeatures | None = None,
) -> TrainingSet | None:
    """Impression-labelled rows of the window ``[cutoff, until)``: sources and features from the
    events before ``cutoff``, labels from what followed each impression. None when nothing
    unseen was shown in it."""
    stamps = impressions.rows["timestamp"]
    inside = stamps >= cutoff if until is None else (stamps >= cutoff) & (stamps < until)
    window = impressions.rows[inside]
    ids = np.unique(window["profile_id"].to_numpy(np.int64))
    # A fixed, id-ordered subset bounds the cost, as in ``dataset.build_temporal``.
    chosen = ids[:: max(1, int(np.ceil(ids.size / max_profiles)))]
    mine = window[window["profile_id"].isin(chosen)]
    outcomes = pd.concat(
        [frame[frame["user_id"].isin(chosen)] for frame in (events, impressions.starts)],
        ignore_index=True,
    )
    rows = labelled_pairs(first_shown(shown_titles(mine)), outcomes, until)
    if len(rows) == 0:
        return None
    history = events[events["timestamp"] < cutoff]
    sources = fit_sources(history, cutoff)
    if sources is None:
        return None
    profiles = [int(p) for p in np.unique(rows["profile_id"].to_numpy(np.int64))]
    past = History.of(history, cutoff, genres)
    # ``pool`` is unused: the shown pairs are the rows.
    frame = candidate_frame(sources, past, profiles, pool=0, shown=rows, store=store)
    frame = frame.merge(rows.drop(columns="as_of"), how="left", on=["profile_id", "title_id"])
    return TrainingSet(frame, feature_names(frame), cutoff)


def enough(rows: TrainingSet) -> bool:
    """The selection rule: whether a window's impression rows may label the play head."""
    positives = int(rows.frame["play"].sum())
    return len(rows.frame) >= MIN_SHOWN_ROWS and positives >= MIN_SHOWN_POSITIVES
