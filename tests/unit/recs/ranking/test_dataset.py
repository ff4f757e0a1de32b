"""Ranker training sets: point-in-time features, temporal labels, no future leaks."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import numpy as np
import pandas as pd
import pytest

from marquee.features.catalog import FixedTitleCatalog
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures
from marquee.recs.data import IdMap
from marquee.recs.ranking.dataset import (
    STORE_FEATURES,
    History,
    TrainingSet,
    build_temporal,
    candidate_frame,
    temporal_labels,
    with_store_features,
)
from marquee.recs.ranking.training import PageRanker, fit_sources, fit_temporal
from tests.features_sample import GENRES, LANGUAGES, START, event
from tests.unit.recs.conftest import DAY, generated_ratings

CUTOFF = 45 * DAY


def events_of(ratings: pd.DataFrame) -> pd.DataFrame:
    return ratings.rename(columns={"rating": "value"}).assign(kind="rate")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return events_of(generated_ratings())


def build(events: pd.DataFrame, items: IdMap) -> TrainingSet:
    fitter = partial(fit_sources, items=items, model="itemknn")
    rows = build_temporal(events, cutoff=CUTOFF, fit_sources=fitter, pool=30)
    assert rows is not None
    return rows


def test_labels_follow_the_documented_mapping() -> None:
    future = pd.DataFrame(
        [
            (1, 10, "rate", 2.0),
            (1, 11, "rate", 4.0),
            (1, 12, "rate", 5.0),
            (1, 13, "play", 0.95),
            (1, 14, "play", 0.3),
            (1, 15, "thumbs_up", 1.0),
        ],
        columns=["user_id", "item_id", "kind", "value"],
    ).assign(timestamp=0)
    labels = temporal_labels(future).set_index("title_id")
    assert labels["play"].tolist() == [1] * 6
    assert labels["complete"].to_dict() == {10: 0, 11: 1, 12: 1, 13: 1, 14: 0, 15: 0}
    assert labels["thumbs"].to_dict() == {10: 0, 11: 0, 12: 1, 13: 0, 14: 0, 15: 1}


def test_a_planted_future_event_changes_labels_but_no_feature(events: pd.DataFrame) -> None:
    items = IdMap.from_values(events["item_id"])
    before = build(events, items)
    # Every user in the candidate rows rates one candidate 5 stars after the cutoff, and a
    # crowd of new users makes it hugely popular: a leaking feature would move.
    target = int(before.frame.loc[before.frame["play"] == 0, "title_id"].iloc[0])
    fans = before.frame["profile_id"].unique()
    crowd = np.arange(90_000, 90_200)
    planted = pd.DataFrame(
        {
            "user_id": np.concatenate([fans, crowd]),
            "item_id": target,
            "value": 5.0,
            "timestamp": CUTOFF + DAY,
            "kind": "rate",
        }
    )
    after = build(pd.concat([events, planted], ignore_index=True), items)
    keys = ["profile_id", "title_id"]
    assert after.features == before.features
    pd.testing.assert_frame_equal(
        after.frame[keys + after.features], before.frame[keys + before.features]
    )
    moved = after.frame[after.frame["title_id"] == target]
    assert moved["play"].all()
    assert moved["thumbs"].all()
    assert not before.frame.loc[before.frame["title_id"] == target, "thumbs"].all()


def test_history_ignores_events_at_or_after_its_time(events: pd.DataFrame) -> None:
    early = History.of(events, CUTOFF)
    late = History.of(events[events["timestamp"] < CUTOFF], CUTOFF)
    pd.testing.assert_frame_equal(early.items, late.items)
    pd.testing.assert_frame_equal(early.profiles, late.profiles)


def test_candidates_exclude_what_the_profile_has_seen(events: pd.DataFrame) -> None:
    items = IdMap.from_values(events["item_id"])
    past = events[events["timestamp"] < CUTOFF]
    sources = fit_sources(past, CUTOFF, items=items, model="ease")
    assert sources is not None
    profiles = sorted(int(p) for p in past["user_id"].unique()[:10])
    frame = candidate_frame(sources, History.of(past, CUTOFF), profiles, pool=25)
    seen = set(zip(past["user_id"], past["item_id"], strict=True))
    assert set(frame["profile_id"]) == set(profiles)
    pairs = zip(frame["profile_id"], frame["title_id"], strict=True)
    assert not any(pair in seen for pair in pairs)
    # Every source's own top 25 (unseen) candidates are in the pool.
    assert (frame["top_rank"] <= 25).groupby(frame["profile_id"]).sum().min() >= 20


def test_the_temporal_ranker_beats_chance_on_its_held_out_profiles(
    events: pd.DataFrame,
) -> None:
    items = IdMap.from_values(events["item_id"])
    ranker = fit_temporal(
        events, fit_sources=partial(fit_sources, items=items, model="ease"), pool=30
    )
    assert ranker is not None
    assert ranker.version is not None
    assert ranker.version.metrics["auc_play"] > 0.6


def test_too_little_history_gives_no_ranker(events: pd.DataFrame) -> None:
    items = IdMap.from_values(events["item_id"])
    fitter = partial(fit_sources, items=items, model="ease")
    same_time = events.assign(timestamp=0)
    assert fit_temporal(same_time, fit_sources=fitter, pool=30) is None
    assert fit_temporal(events.iloc[:0], fit_sources=fitter, pool=30) is None


def test_feature_store_features_are_joined_as_of_each_row() -> None:
    title = 1
    past = [
        event("play_start", 1, START, title=title, country="ES", duration_s=100.0),
        event("complete", 1, START + timedelta(minutes=5), title=title, position_s=100.0,
              duration_s=100.0),
    ]  # fmt: skip
    as_of = START + timedelta(minutes=10)
    # Planted after the first row's time: another play of the same title.
    future = [event("play_start", 2, as_of + timedelta(minutes=1), title=title, country="ES")]
    catalog = FixedTitleCatalog(GENRES, LANGUAGES)
    store = OfflineFeatures(events_to_arrow(past + future), catalog.titles_table())
    seconds = int(as_of.timestamp())
    frame = pd.DataFrame(
        {"profile_id": [1, 1], "title_id": [title, title], "as_of": [seconds, seconds + 3600]}
    )
    joined = with_store_features(frame, store)
    assert [f"fs_{name}" for name in STORE_FEATURES] == list(joined.columns[3:])
    assert joined["fs_item_plays_30d"].tolist() == [1.0, 2.0]
    assert joined["fs_item_popularity"].tolist() == [1.0, 2.0]
    assert joined["fs_item_completion_rate"].iloc[0] == 1.0


def test_serving_features_are_anchored_at_the_latest_event_not_a_distant_now(
    events: pd.DataFrame,
) -> None:
    items = IdMap.from_values(events["item_id"])
    fitter = partial(fit_sources, items=items, model="itemknn")
    last = int(events["timestamp"].max())
    ranker = fit_temporal(events, fit_sources=fitter, pool=30)
    sources = fitter(events, last + 1)
    assert ranker is not None
    assert sources is not None
    page = PageRanker.for_serving(
        ranker,
        top=sources.top,
        knn=sources.knn,
        events=events,
        popular=sources.popular,
        segment_of={},
        genres=None,
        now=last + 5 * 365 * DAY,  # an import whose events stopped years ago
    )
    assert page.history.as_of == last + 1
    frame = candidate_frame(page.sources, page.history, [1000, 1001], pool=30)
    assert frame["profile_idle_days"].max() < 61
    assert frame["trending_score"].max() > 0.01
    assert set(page.score([1000, 1001], 30)) == {1000, 1001}
