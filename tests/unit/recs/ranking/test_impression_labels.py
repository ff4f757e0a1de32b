"""Impression labels for the play head: what was shown and then started, point in time, and the
temporal proxy when the lake shows too little."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest

from marquee.recs.data import IdMap
from marquee.recs.ranking.dataset import History, SourceFitter, TrainingSet, candidate_frame
from marquee.recs.ranking.impression_labels import (
    MIN_SHOWN_POSITIVES,
    MIN_SHOWN_ROWS,
    Impressions,
    build_impression,
    enough,
)
from marquee.recs.ranking.ranker import MultiObjectiveRanker
from marquee.recs.ranking.training import fit_sources, fit_temporal, window_cutoffs
from tests.unit.recs.conftest import DAY, generated_ratings

HOUR = 3600


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return generated_ratings().rename(columns={"rating": "value"}).assign(kind="rate")


@pytest.fixture(scope="module")
def cutoff(events: pd.DataFrame) -> int:
    return window_cutoffs(events, holdout=0.2, windows=1)[0]


def impressions(
    rows: list[tuple[int, list[int], int]], starts: list[tuple[int, int, int]]
) -> Impressions:
    """``rows``: (profile, titles shown in one row, time); ``starts``: (profile, title, time)."""
    shown = pd.DataFrame(
        {
            "profile_id": [p for p, _, _ in rows],
            "title_id": [titles[0] for _, titles, _ in rows],
            "context": [
                json.dumps({"titles": titles, "level": "precomputed"}) for _, titles, _ in rows
            ],
            "timestamp": [at for _, _, at in rows],
        }
    )
    played = pd.DataFrame(
        {
            "user_id": [p for p, _, _ in starts],
            "item_id": [t for _, t, _ in starts],
            "kind": "play",
            "value": np.nan,
            "timestamp": [at for _, _, at in starts],
        }
    )
    return Impressions(shown, played)


def never_touched(events: pd.DataFrame, profile: int, n: int) -> list[int]:
    """``n`` titles the profile has no event of, at any time."""
    mine = set(events.loc[events["user_id"] == profile, "item_id"])
    return [int(t) for t in sorted(events["item_id"].unique()) if t not in mine][:n]


def build(events: pd.DataFrame, shown: Impressions, cutoff: int) -> TrainingSet:
    items = IdMap.from_values(events["item_id"])
    fitter = partial(fit_sources, items=items, model="itemknn")
    rows = build_impression(events, shown, cutoff=cutoff, fit_sources=fitter)
    assert rows is not None
    return rows


def test_shown_and_then_started_titles_are_positives_and_unshown_plays_are_no_rows(
    events: pd.DataFrame, cutoff: int
) -> None:
    profile = 1003
    a, b, c, d, e = never_touched(events, profile, 5)
    at = cutoff + HOUR
    shown = impressions(
        [(profile, [a, b], at)],
        [(profile, a, at + 60), (profile, d, at + 120)],  # d was played, never shown
    )
    # A client's own impression of one title: no titles in its context.
    one = pd.DataFrame(
        {"profile_id": [profile], "title_id": [e], "context": ["{}"], "timestamp": [at + 5]}
    )
    shown = Impressions(pd.concat([shown.rows, one], ignore_index=True), shown.starts)
    rows = build(events, shown, cutoff).frame.set_index("title_id")
    assert rows["play"].to_dict() == {a: 1, b: 0, e: 0}
    assert c not in rows.index
    assert d not in rows.index
    assert rows.loc[a, "as_of"] == at
    assert rows.loc[e, "as_of"] == at + 5


def test_a_play_before_the_impression_is_no_positive(events: pd.DataFrame, cutoff: int) -> None:
    profile = 1004
    early, late, again = never_touched(events, profile, 3)
    at = cutoff + 2 * HOUR
    shown = impressions(
        [(profile, [early, late, again], at), (profile, [late], at + HOUR)],
        [
            (profile, early, at - 60),  # started before it was shown: a seen title, no row
            (profile, late, at + 3 * HOUR),  # shown twice: as of the first time
            (profile, again, at - 60),
            (profile, again, at + 60),  # restarted after being shown, still seen before
        ],
    )
    rows = build(events, shown, cutoff).frame.set_index("title_id")
    assert rows["play"].to_dict() == {late: 1}
    assert rows.loc[late, "as_of"] == at


def test_features_never_see_events_after_the_as_of_time(events: pd.DataFrame, cutoff: int) -> None:
    profiles = sorted(int(p) for p in events["user_id"].unique())[:20]
    at = cutoff + HOUR
    rows = [(p, never_touched(events, p, 8), at + n) for n, p in enumerate(profiles)]
    shown = impressions(rows, [(p, titles[0], at + HOUR) for p, titles, _ in rows])
    before = build(events, shown, cutoff)
    # After each row's time: everyone rates every shown title, and a crowd makes them hugely
    # popular. Labels may move; no feature may.
    titles = sorted({t for _, shown_titles, _ in rows for t in shown_titles})
    crowd = [*profiles, *range(90_000, 90_100)]
    planted = pd.DataFrame(
        [(u, t, 5.0, at + DAY, "rate") for u in crowd for t in titles],
        columns=["user_id", "item_id", "value", "timestamp", "kind"],
    )
    after = build(pd.concat([events, planted], ignore_index=True), shown, cutoff)
    keys = ["profile_id", "title_id", "as_of"]
    assert after.features == before.features
    pd.testing.assert_frame_equal(
        after.frame[keys + after.features], before.frame[keys + before.features]
    )
    assert after.frame["play"].all()
    assert not before.frame["play"].all()


def shown_world(
    events: pd.DataFrame, cutoff: int, *, liked: list[int], ignored: list[int]
) -> Impressions:
    """Every profile is shown ``liked`` and ``ignored`` after the cutoff; most start the liked
    titles they were shown, none the ignored ones."""
    rng = np.random.default_rng(3)
    rows, starts = [], []
    for n, profile in enumerate(sorted(int(p) for p in events["user_id"].unique())):
        at = cutoff + HOUR + n
        rows.append((profile, [*liked, *ignored], at))
        starts += [(profile, t, at + HOUR) for t in liked if rng.random() < 0.6]
    return impressions(rows, starts)


def popularity(events: pd.DataFrame, cutoff: int) -> pd.Series:
    past = events[events["timestamp"] < cutoff]
    return past.groupby("item_id")["user_id"].nunique().sort_values(kind="stable")


def test_a_ranker_from_impressions_ranks_shown_and_played_above_shown_and_ignored(
    events: pd.DataFrame, cutoff: int
) -> None:
    by_users = popularity(events, cutoff)
    # The liked titles are among the least popular, the ignored among the most: the temporal
    # proxy (played after the cutoff, shown or not) favours the popular ones. Ignored means
    # ignored: their later ratings are gone.
    liked = [int(t) for t in by_users.index[5:10]]
    ignored = [int(t) for t in by_users.index[-5:]]
    events = events[~(events["item_id"].isin(ignored) & (events["timestamp"] >= cutoff))]
    shown = shown_world(events, cutoff, liked=liked, ignored=ignored)
    items = IdMap.from_values(events["item_id"])
    fitter = partial(fit_sources, items=items, model="itemknn")
    ranker = fit_temporal(events, fit_sources=fitter, pool=30, impressions=shown)
    proxy = fit_temporal(events, fit_sources=fitter, pool=30)
    assert ranker is not None
    assert ranker.version is not None
    assert proxy is not None
    assert ranker.version.label_sources == {
        "play": "impressions",
        "complete": "temporal",
        "thumbs": "temporal",
    }
    assert ranker.version.shown_rows >= MIN_SHOWN_ROWS
    assert ranker.version.metrics["auc_play_shown"] > 0.65
    frame = pairs_frame(events, cutoff, fitter, [*liked, *ignored])
    p_play = ranker.predict(frame)[0]
    is_liked = frame["title_id"].isin(liked).to_numpy()
    assert p_play[is_liked].mean() > p_play[~is_liked].mean() + 0.3
    # Title against title: the liked one leads for nearly every profile; the proxy alone
    # does not order them so.
    pairs = list(zip(liked, ignored, strict=True))
    learnt = np.mean([compare(frame, p_play, a, b) for a, b in pairs])
    proxied = np.mean([compare(frame, proxy.predict(frame)[0], a, b) for a, b in pairs])
    assert learnt > 0.9
    assert proxied < learnt - 0.3


def pairs_frame(
    events: pd.DataFrame, cutoff: int, fitter: SourceFitter, titles: list[int]
) -> pd.DataFrame:
    past = events[events["timestamp"] < cutoff]
    sources = fitter(past, cutoff)
    assert sources is not None
    profiles = sorted(int(p) for p in past["user_id"].unique())
    pairs = pd.DataFrame(
        [(p, t, cutoff) for p in profiles for t in titles],
        columns=["profile_id", "title_id", "as_of"],
    )
    return candidate_frame(sources, History.of(past, cutoff), profiles, pool=0, shown=pairs)


def compare(frame: pd.DataFrame, p_play: np.ndarray, a: int, b: int) -> float:
    """The share of profiles with both titles as candidates whose P(play) of ``a`` beats ``b``'s."""
    scored = frame.assign(p=p_play).pivot_table(index="profile_id", columns="title_id", values="p")
    both = scored[[a, b]].dropna()
    assert len(both) >= 30
    return float((both[a] > both[b]).mean())


def test_too_few_impressions_keep_the_temporal_proxy(events: pd.DataFrame, cutoff: int) -> None:
    by_users = popularity(events, cutoff)
    few = events[events["user_id"] < 1010]  # ten profiles' impressions: under the rule
    shown = shown_world(few, cutoff, liked=[int(t) for t in by_users.index[5:10]], ignored=[])
    items = IdMap.from_values(events["item_id"])
    fitter = partial(fit_sources, items=items, model="itemknn")
    rows = build_impression(events, shown, cutoff=cutoff, fit_sources=fitter)
    assert rows is not None
    assert 0 < len(rows.frame) < MIN_SHOWN_ROWS
    assert not enough(rows)
    ranker = fit_temporal(events, fit_sources=fitter, pool=30, impressions=shown)
    proxy = fit_temporal(events, fit_sources=fitter, pool=30)
    assert ranker is not None
    assert ranker.version is not None
    assert proxy is not None
    assert proxy.version is not None
    assert ranker.version.label_sources == dict.fromkeys(("play", "complete", "thumbs"), "temporal")
    assert ranker.version.shown_rows == 0
    assert ranker.version.metrics == proxy.version.metrics
    assert "auc_play_shown" not in ranker.version.metrics


def test_the_rule_needs_both_enough_rows_and_enough_plays() -> None:
    def rows(n: int, plays: int) -> TrainingSet:
        frame = pd.DataFrame({"play": [1] * plays + [0] * (n - plays)})
        return TrainingSet(frame, [], 0)

    assert enough(rows(MIN_SHOWN_ROWS, MIN_SHOWN_POSITIVES))
    assert not enough(rows(MIN_SHOWN_ROWS - 1, MIN_SHOWN_POSITIVES))
    assert not enough(rows(MIN_SHOWN_ROWS * 4, MIN_SHOWN_POSITIVES - 1))


def test_label_sources_survive_a_save_and_older_rankers_read_as_temporal() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"profile_id": rng.integers(0, 300, 600), "x": rng.random(600)})
    frame["play"] = (frame["x"] > 0.5).astype(np.int64)
    frame["complete"] = frame["play"]
    frame["thumbs"] = 0
    fitted = MultiObjectiveRanker(rounds=5).fit(frame, ["x"], shown=frame)
    loaded = MultiObjectiveRanker.from_bytes(fitted.to_bytes())
    assert loaded.version is not None
    assert loaded.version.label_sources["play"] == "impressions"
    saved = json.loads(fitted.to_bytes())
    del saved["version"]["label_sources"], saved["version"]["shown_rows"]
    older = MultiObjectiveRanker.from_bytes(json.dumps(saved).encode())
    assert older.version is not None
    assert set(older.version.label_sources.values()) == {"temporal"}
