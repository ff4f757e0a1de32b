"""Lake events → one row per exposed profile: the unit every experiment metric is built from.

A profile is *exposed* to an experiment from its first impression tagged with the experiment's
key (``experiments`` column, JSON ``{key: variant}``); only what it did from then on counts.
Playback events are grouped per (profile, title, episode, session) into one *play*:

* watched seconds = furthest position − first position (never negative);
* completed = a ``complete`` event, or the furthest position ≥ 90 % of the duration;
* the title's genres count towards the profile's diversity.

A profile is *active* on each UTC day it sent any event; it *returned* when active on two days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import orjson
import pandas as pd

from marquee.domain.events import impression_titles

PLAYBACK = frozenset({"play_start", "heartbeat", "pause", "resume", "seek", "complete", "stop"})
COMPLETE_SHARE = 0.9
COLUMNS = (
    "profile_id",
    "variant",
    "impressions",
    "plays",
    "completes",
    "minutes",
    "days",
    "genres",
)
#: Lake columns the outcomes read.
NEEDED = ("type", "profile_id", "title_id", "episode_id", "session_id", "position_s",
          "duration_s", "client_time", "experiments", "context")  # fmt: skip


def _variant_of(raw: object, key: str) -> str | None:
    if not isinstance(raw, str | bytes) or not raw or raw == "{}":
        return None
    value = orjson.loads(raw).get(key)
    return value if isinstance(value, str) else None


def exposures(events: pd.DataFrame, key: str) -> pd.DataFrame:
    """``profile_id → variant, first, impressions``: each profile's first tagged variant (a
    profile seen in two variants keeps its first: assignment is sticky unless the salt changed)."""
    shown = events[events["type"] == "impression"]
    # Pages repeat the same few JSON objects: parse each distinct one once.
    lookup = {raw: _variant_of(raw, key) for raw in shown["experiments"].unique()}
    variant = shown["experiments"].map(lookup)
    tagged = shown.assign(variant=variant)[variant.notna()].sort_values("client_time")
    if tagged.empty:
        return pd.DataFrame(columns=["variant", "first", "impressions"], index=pd.Index([]))
    grouped = tagged.assign(shown=_titles_shown(tagged)).groupby("profile_id")
    return pd.DataFrame(
        {
            "variant": grouped["variant"].first(),
            "first": grouped["client_time"].min(),
            "impressions": grouped["shown"].sum(),
        }
    )


def _titles_shown(impressions: pd.DataFrame) -> list[int]:
    """Titles each impression event showed (the server logs one event per row)."""
    if "context" not in impressions:
        return [1] * len(impressions)
    return [
        len(impression_titles(title, raw))
        for title, raw in zip(impressions["title_id"], impressions["context"], strict=True)
    ]


def units(
    events: pd.DataFrame, key: str, genres: Mapping[int, Sequence[str]] | None = None
) -> pd.DataFrame:
    """One row per exposed profile with the columns of ``COLUMNS`` (zeros where it did nothing)."""
    exposed = exposures(events, key)
    if exposed.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    after = events.join(exposed[["first"]], on="profile_id", how="inner")
    after = after[after["client_time"] >= after["first"]]
    plays = _plays(after[after["type"].isin(PLAYBACK) & after["title_id"].notna()])
    per = plays.groupby("profile_id").agg(
        plays=("title_id", "size"), completes=("completed", "sum"), seconds=("seconds", "sum")
    )
    lookup = genres or {}
    distinct = plays.groupby("profile_id")["title_id"].agg(
        lambda ids: len({g for t in ids for g in lookup.get(int(t), ())})
    )
    days = after.assign(day=after["client_time"].dt.floor("D")).groupby("profile_id")["day"]
    out = exposed.join(per, how="left").join(days.nunique().rename("days"), how="left")
    out = out.join(distinct.rename("genres"), how="left").fillna(
        {"plays": 0, "completes": 0, "seconds": 0.0, "days": 0, "genres": 0}
    )
    out["minutes"] = out["seconds"] / 60.0
    return out.reset_index(names="profile_id")[list(COLUMNS)]


def _plays(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (profile, title, episode, session): watched seconds and completion."""
    if frame.empty:
        return pd.DataFrame(columns=["profile_id", "title_id", "seconds", "completed"])
    keyed = frame.assign(
        episode=frame["episode_id"].fillna(-1).astype(np.int64),
        session=frame["session_id"].fillna("").astype(str),
        done=(frame["type"] == "complete").astype(np.int8),
    )
    groups = keyed.groupby(["profile_id", "title_id", "episode", "session"], sort=False)
    per = groups.agg(
        low=("position_s", "min"),
        high=("position_s", "max"),
        duration=("duration_s", "max"),
        done=("done", "max"),
    ).reset_index()
    seconds = (per["high"] - per["low"]).fillna(0.0).clip(lower=0.0)
    share = per["high"] / per["duration"].where(per["duration"] > 0)
    completed = (per["done"] > 0) | (share.fillna(0.0) >= COMPLETE_SHARE)
    return pd.DataFrame(
        {
            "profile_id": per["profile_id"],
            "title_id": per["title_id"],
            "seconds": seconds,
            "completed": completed.astype(np.int64),
        }
    )


def to_frame(table: object) -> pd.DataFrame:
    """A lake scan (pyarrow Table) or a DataFrame → the columns ``units`` reads, times in UTC."""
    frame = table.to_pandas() if hasattr(table, "to_pandas") else pd.DataFrame(table)
    for column in NEEDED:
        if column not in frame.columns:
            frame[column] = None
    frame["client_time"] = pd.to_datetime(frame["client_time"], utc=True)
    for column in ("position_s", "duration_s"):
        frame[column] = frame[column].astype("float64")
    return frame[list(NEEDED)]
