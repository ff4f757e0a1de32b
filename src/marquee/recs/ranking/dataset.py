"""Ranker rows: (profile, candidate title, as-of time) with every source's score and profile and
item features, all computed from events strictly before the as-of time; labels from afterwards.

The same :func:`candidate_frame` builds the rows a ranker is trained on (sources fitted before a
cutoff, labels from what each profile did after it) and the rows it scores at precompute time
(sources fitted on everything, as of now), so training and serving cannot disagree.

Label mapping of the temporal split (the platform's imported data has ratings, not impressions):

* ``play`` — the profile rated, played, thumbed or listed the title after the cutoff;
* ``complete`` — a rating ≥ 4 or a play with completion ≥ 0.9 after the cutoff;
* ``thumbs`` — a thumbs up or a rating ≥ 4.5 after the cutoff.

Where the lake holds enough impressions, the play head learns P(play | shown) from what the
homepage showed instead (``impression_labels.py``, rows from this same :func:`candidate_frame`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from marquee.features.offline import OfflineFeatures
from marquee.features.training import training_set
from marquee.recs.candidates.base import Recommender
from marquee.recs.data import FINISHED_COMPLETION, SECONDS_PER_DAY

LABELS = ("play", "complete", "thumbs")
DEPTH = 200  # how deep each source's list is read for scores (deeper counts as missing)
RECENT_DAYS = 30
SOURCE_NAMES = ("top", "knn", "trending", "popular")
_PLAYED = ("rate", "play", "thumbs_up", "thumbs_down", "interaction", "list")


@dataclass(frozen=True)
class Sources:
    """Fitted candidate sources: the configured top model, item-kNN, trending and segment
    popularity (``segment → [(title, users)]``, ``*`` global), all over the same events."""

    top: Recommender
    knn: Recommender
    trending: Recommender
    popular: Mapping[str, Sequence[tuple[int, float]]]
    segment_of: Mapping[int, str] = field(default_factory=dict)

    def segment_popular(self, profile_id: int) -> Sequence[tuple[int, float]]:
        segment = self.segment_of.get(profile_id, "*")
        return self.popular.get(segment) or self.popular.get("*", [])


#: Fits the sources on a history of events (``user_id, item_id, kind, value, timestamp``) as of
#: a time (seconds; trending decays from it).
SourceFitter = Callable[[pd.DataFrame, int], Sources | None]


@dataclass(frozen=True)
class History:
    """Profile and item statistics of the events before ``as_of`` (the features' only input)."""

    as_of: int
    seen: pd.DataFrame  # profile_id, title_id pairs already interacted with
    profiles: pd.DataFrame  # indexed by profile_id
    items: pd.DataFrame  # indexed by title_id
    affinity: pd.DataFrame  # profile_id, genre, weight (favourite genre = 1)
    genres: pd.DataFrame  # title_id, genre

    @classmethod
    def of(cls, events: pd.DataFrame, as_of: int, genres: pd.DataFrame | None = None) -> History:
        """Statistics of ``events`` strictly before ``as_of`` (later rows are ignored here)."""
        past = events[events["timestamp"] < as_of]
        pairs = past[["user_id", "item_id"]].drop_duplicates()
        seen = pairs.rename(columns={"user_id": "profile_id", "item_id": "title_id"})
        genre_rows = (
            genres if genres is not None else pd.DataFrame({"title_id": [], "genre": []})
        ).astype({"title_id": np.int64, "genre": str})
        return cls(
            as_of,
            seen.reset_index(drop=True),
            _profile_stats(past, as_of),
            _item_stats(past, as_of),
            _affinity(past, genre_rows),
            genre_rows,
        )


def _rating(frame: pd.DataFrame) -> pd.Series:
    return frame["value"].where(frame["kind"] == "rate")


def _profile_stats(past: pd.DataFrame, as_of: int) -> pd.DataFrame:
    grouped = past.assign(rating=_rating(past)).groupby("user_id")
    out = pd.DataFrame(
        {
            "profile_events": grouped.size(),
            "profile_items": grouped["item_id"].nunique(),
            "profile_mean_rating": grouped["rating"].mean(),
            "profile_idle_days": (as_of - grouped["timestamp"].max()) / SECONDS_PER_DAY,
            "profile_span_days": (grouped["timestamp"].max() - grouped["timestamp"].min())
            / SECONDS_PER_DAY,
        }
    )
    return out.rename_axis("profile_id").astype(np.float64)


def _item_stats(past: pd.DataFrame, as_of: int) -> pd.DataFrame:
    rated = past.assign(rating=_rating(past))
    grouped = rated.groupby("item_id")
    recent = past[past["timestamp"] >= as_of - RECENT_DAYS * SECONDS_PER_DAY]
    out = pd.DataFrame(
        {
            "item_users": grouped["user_id"].nunique(),
            "item_mean_rating": grouped["rating"].mean(),
            "item_age_days": (as_of - grouped["timestamp"].min()) / SECONDS_PER_DAY,
            "item_recent_users": recent.groupby("item_id")["user_id"].nunique(),
        }
    )
    out["item_recent_users"] = out["item_recent_users"].fillna(0.0)
    return out.rename_axis("title_id").astype(np.float64)


def _affinity(past: pd.DataFrame, genres: pd.DataFrame) -> pd.DataFrame:
    """Per profile and genre: liked titles of that genre ÷ the favourite genre's count."""
    liked = past[
        (past["kind"] == "thumbs_up")
        | ((past["kind"] == "rate") & (past["value"] >= 4))
        | ((past["kind"] == "play") & (past["value"] >= FINISHED_COMPLETION))
    ]
    pairs = liked[["user_id", "item_id"]].drop_duplicates()
    joined = pairs.merge(genres, left_on="item_id", right_on="title_id")
    counts = joined.groupby(["user_id", "genre"]).size().rename("weight").reset_index()
    counts["weight"] = counts["weight"] / counts.groupby("user_id")["weight"].transform("max")
    return counts.rename(columns={"user_id": "profile_id"})


def _source_lists(sources: Sources, profiles: Sequence[int], depth: int) -> dict[str, pd.DataFrame]:
    """Each source's top ``depth`` (profile_id, title_id, score, rank), best first."""
    ids = np.asarray(profiles, dtype=np.int64)
    out = {}
    for name, model in (("top", sources.top), ("knn", sources.knn)):
        found, scores = model.recommend(model.users.index(ids), depth)
        out[name] = _long(model, ids, found, scores)
    found, scores = sources.trending.recommend([-1], depth, exclude_seen=False)
    tiled = (np.repeat(found, len(ids), axis=0), np.repeat(scores, len(ids), axis=0))
    out["trending"] = _long(sources.trending, ids, *tiled)
    rows = [
        (p, t, s, r + 1)
        for p in profiles
        for r, (t, s) in enumerate(sources.segment_popular(int(p))[:depth])
    ]
    out["popular"] = pd.DataFrame(rows, columns=["profile_id", "title_id", "score", "rank"])
    return out


def _long(
    model: Recommender, profiles: np.ndarray, found: np.ndarray, scores: np.ndarray
) -> pd.DataFrame:
    rank = np.broadcast_to(np.arange(1, found.shape[1] + 1), found.shape)
    keep = (found >= 0) & np.isfinite(scores)
    who = np.broadcast_to(profiles[:, None], found.shape)
    return pd.DataFrame(
        {
            "profile_id": who[keep].astype(np.int64),
            "title_id": model.items.to_raw(found[keep]),
            "score": scores[keep].astype(np.float64),
            "rank": rank[keep].astype(np.float64),
        }
    )


def candidate_frame(
    sources: Sources,
    history: History,
    profiles: Sequence[int],
    *,
    pool: int,
    depth: int = DEPTH,
    store: OfflineFeatures | None = None,
    shown: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (profile, candidate): the union of every source's top ``pool`` titles the
    profile has not seen, with each source's score and rank (read to ``depth``; NaN beyond),
    the profile's and the title's features from ``history``, and the feature store's when a
    ``store`` (the lake's events) is given. ``shown`` (``profile_id, title_id, as_of``: what the
    homepage showed, as of when) replaces the pools: its unseen pairs are the rows, each with
    its own ``as_of`` (impression labels, ``impression_labels.py``)."""
    lists = _source_lists(sources, profiles, max(depth, pool))
    if shown is None:
        union = pd.concat([frame[frame["rank"] <= pool] for frame in lists.values()])
        pairs = union[["profile_id", "title_id"]].drop_duplicates().assign(as_of=history.as_of)
    else:
        pairs = shown[["profile_id", "title_id", "as_of"]]
    unseen = pairs.merge(history.seen, how="left", indicator=True)
    frame = unseen[unseen["_merge"] == "left_only"].drop(columns="_merge")
    for name, ranked in lists.items():
        renamed = ranked.rename(columns={"score": f"{name}_score", "rank": f"{name}_rank"})
        frame = frame.merge(renamed, how="left", on=["profile_id", "title_id"])
        frame[f"{name}_rank"] = frame[f"{name}_rank"].fillna(float(depth + 1))
    frame = frame.merge(history.profiles, how="left", left_on="profile_id", right_index=True)
    frame = frame.merge(history.items, how="left", left_on="title_id", right_index=True)
    frame = frame.merge(_genre_match(frame, history), how="left", on=["profile_id", "title_id"])
    frame["genre_affinity"] = frame["genre_affinity"].fillna(0.0)
    frame["as_of"] = frame.pop("as_of").astype(np.int64)  # last, as the keys are first
    frame = frame.sort_values(["profile_id", "title_id"], kind="stable").reset_index(drop=True)
    return frame if store is None else with_store_features(frame, store)


def _genre_match(frame: pd.DataFrame, history: History) -> pd.DataFrame:
    """Mean affinity of the profile for the candidate's genres."""
    pairs = frame[["profile_id", "title_id"]].merge(history.genres, on="title_id")
    scored = pairs.merge(history.affinity, how="left", on=["profile_id", "genre"])
    scored["weight"] = scored["weight"].fillna(0.0)
    grouped = scored.groupby(["profile_id", "title_id"])["weight"].mean()
    return grouped.rename("genre_affinity").reset_index()


#: Numeric feature-store features joined when a lake is at hand (``features/training.py``).
STORE_FEATURES = (
    "plays_today",
    "abandoned_plays_1h",
    "completion_rate_median",
    "watch_hours_30d",
    "item_plays_30d",
    "item_completion_rate",
    "item_thumbs_ratio",
    "item_popularity",
    "item_trend",
)


def with_store_features(frame: pd.DataFrame, store: OfflineFeatures) -> pd.DataFrame:
    """``frame`` plus the feature store's point-in-time features (``fs_…``) as of each row's
    ``as_of`` (seconds): the same SQL the batch features run, over events strictly before it."""
    stamps = pd.to_datetime(frame["as_of"].to_numpy(np.int64), unit="s", utc=True)
    labels = pa.table(
        {
            "profile_id": pa.array(frame["profile_id"].to_numpy(np.int64)),
            "title_id": pa.array(frame["title_id"].to_numpy(np.int64)),
            "ts": pa.array(stamps, pa.timestamp("us", tz="UTC")),
        }
    )
    joined = training_set(store, labels).select(list(STORE_FEATURES)).to_pandas()
    renamed = joined.astype(np.float64).add_prefix("fs_").set_index(frame.index)
    return pd.concat([frame, renamed], axis=1)


def feature_names(frame: pd.DataFrame) -> list[str]:
    """The model's inputs: every column but the keys, the as-of time and the labels."""
    skip = {"profile_id", "title_id", "as_of", *LABELS}
    return [c for c in frame.columns if c not in skip]


def temporal_labels(future: pd.DataFrame) -> pd.DataFrame:
    """Per (profile, title) after the cutoff: play, complete and thumbs (0/1, see module)."""
    rows = future[future["kind"].isin(_PLAYED)]
    kind, value = rows["kind"], rows["value"]
    marks = pd.DataFrame(
        {
            "profile_id": rows["user_id"].to_numpy(np.int64),
            "title_id": rows["item_id"].to_numpy(np.int64),
            "play": 1,
            "complete": (
                ((kind == "rate") & (value >= 4))
                | ((kind == "play") & (value >= FINISHED_COMPLETION))
            ).to_numpy(np.int64),
            "thumbs": ((kind == "thumbs_up") | ((kind == "rate") & (value >= 4.5))).to_numpy(
                np.int64
            ),
        }
    )
    return marks.groupby(["profile_id", "title_id"], as_index=False).max()


@dataclass(frozen=True)
class TrainingSet:
    """Labelled rows (features, ``play``/``complete``/``thumbs``) as of ``cutoff``."""

    frame: pd.DataFrame
    features: list[str]
    cutoff: int


def temporal_cutoff(events: pd.DataFrame, *, holdout: float = 0.2) -> int:
    """The time after which the last ``holdout`` share of events lies."""
    return int(np.quantile(events["timestamp"].to_numpy(np.int64), 1.0 - holdout))


def stacked(sets: Sequence[TrainingSet]) -> TrainingSet | None:
    """Training sets of several cutoffs as one (rows keep their own ``as_of``)."""
    if not sets:
        return None
    frame = pd.concat([s.frame for s in sets], ignore_index=True)
    return TrainingSet(frame, sets[0].features, max(s.cutoff for s in sets))


def build_temporal(
    events: pd.DataFrame,
    *,
    cutoff: int,
    fit_sources: SourceFitter,
    pool: int,
    genres: pd.DataFrame | None = None,
    max_profiles: int = 3000,
    until: int | None = None,
    store: OfflineFeatures | None = None,
) -> TrainingSet | None:
    """Rows for the profiles active both before and after ``cutoff``; features and sources from
    the events before it, labels from the events at or after it (and before ``until``). None
    when there are none."""
    history = events[events["timestamp"] < cutoff]
    later = events["timestamp"] >= cutoff
    future = events[later if until is None else later & (events["timestamp"] < until)]
    both = np.intersect1d(history["user_id"].unique(), future["user_id"].unique())
    if both.size == 0:
        return None
    # A fixed, id-ordered subset bounds the cost on large platforms (the result is deterministic).
    profiles = [int(p) for p in both[:: max(1, int(np.ceil(both.size / max_profiles)))]]
    sources = fit_sources(history, cutoff)
    if sources is None:
        return None
    past = History.of(history, cutoff, genres)
    frame = candidate_frame(sources, past, profiles, pool=pool, store=store)
    labels = temporal_labels(future)
    frame = frame.merge(labels, how="left", on=["profile_id", "title_id"])
    frame[list(LABELS)] = frame[list(LABELS)].fillna(0).astype(np.int64)
    return TrainingSet(frame, feature_names(frame), cutoff)
