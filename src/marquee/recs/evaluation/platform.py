"""Marquee's own interactions as an evaluation dataset, read (read-only) from its database.

Each ``interactions`` row becomes a rating on a 1–5 scale so rating-threshold protocols work:

* ``rate`` keeps its value (the platform records stars on a 1–5 scale);
* ``play`` maps completion through the buckets of ``recs/data.py``'s confidence rule:
  ≥ 0.9 (finished, confidence 1) → 5; ≥ 0.5 → 4; ≥ 0.1 (a positive below half) → 3;
  below 0.1 (an early abandon, a negative there) → 1. RecBole's ``≥ 3`` keeps every
  non-abandoned play; strong generalisation's ``> 3.5`` keeps plays past half way;
* ``thumbs_up`` → 5, ``thumbs_down`` → 1; other kinds are ignored.

Per (profile, title) only the latest row counts; at the same instant an explicit verdict wins over
a play (thumbs over rate over play). Rows come in time order, as a log file would.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.datasets import COLUMNS, DTYPES, Dataset, genre_text
from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, Interaction, Title, TitleGenre

PLAY_BUCKETS = ((0.9, 5.0), (0.5, 4.0), (0.1, 3.0))  # completion at least → rating
ABANDON_RATING = 1.0
FIXED_RATINGS = {"thumbs_up": 5.0, "thumbs_down": 1.0}
PRIORITY = {"play": 0, "rate": 1, "thumbs_down": 2, "thumbs_up": 2}
EPOCH = pd.Timestamp(0, tz="UTC")


def play_rating(completion: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Completion in [0, 1] → a 1–5 rating (see the module docstring)."""
    out = np.full(completion.shape, ABANDON_RATING, dtype=np.float64)
    for threshold, rating in reversed(PLAY_BUCKETS):
        out[completion >= threshold] = rating
    return out


def to_ratings(events: pd.DataFrame) -> pd.DataFrame:
    """``user_id, item_id, kind, value, timestamp, id`` events → one rating per latest pair."""
    events = events[events["kind"].isin(PRIORITY)]
    kind = events["kind"].to_numpy(dtype=str)
    value = events["value"].to_numpy(np.float64)
    rating = np.where(kind == "play", play_rating(value), value)
    for name, fixed in FIXED_RATINGS.items():
        rating[kind == name] = fixed
    frame = events.assign(rating=rating, _rank=events["kind"].map(PRIORITY))
    frame = frame.sort_values(["timestamp", "_rank", "id"], kind="stable")
    latest = frame.drop_duplicates(["user_id", "item_id"], keep="last")
    return latest[COLUMNS].astype(DTYPES).reset_index(drop=True)


def _events(db: Database) -> pd.DataFrame:
    query = select(
        Interaction.id,
        Interaction.profile_id,
        Interaction.title_id,
        Interaction.kind,
        Interaction.value,
        Interaction.occurred_at,
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["id", "user_id", "item_id", "kind", "value", "occurred_at"])
    stamps = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame.assign(timestamp=(stamps - EPOCH) // pd.Timedelta(seconds=1))


def _catalog(db: Database) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(item text for Content, ``item_id, genre`` rows) from ``titles`` and their genres."""
    pairs = select(TitleGenre.title_id, Genre.name).join(Genre, Genre.id == TitleGenre.genre_id)
    with db.engine.connect() as conn:
        genres = pd.DataFrame(conn.execute(pairs).all(), columns=["item_id", "genre"])
        titles = pd.DataFrame(
            conn.execute(select(Title.id, Title.name)).all(), columns=["item_id", "name"]
        )
    if titles.empty:
        return None, None
    joined = genres.groupby("item_id")["genre"].agg("|".join)
    labels = joined.reindex(titles["item_id"]).fillna("").reset_index(drop=True)
    text = titles.assign(text=titles["name"].astype(str) + " " + genre_text(labels))
    item_genres = genres.astype({"item_id": np.int64, "genre": str}) if len(genres) else None
    return text[["item_id", "text"]].astype({"item_id": np.int64}), item_genres


def load_platform(url: str) -> Dataset:
    """Ratings, item text and genres from the Marquee database at ``url``."""
    try:
        db = Database(url)
    except (SQLAlchemyError, ImportError) as exc:  # a malformed URL or a driver we do not ship
        raise InvalidDataError("--data", f"not a usable database URL ({exc})") from None
    try:
        events = _events(db)
        text, genres = _catalog(db)
    except SQLAlchemyError as exc:  # an unreachable server or an unmigrated database
        reason = f"cannot read interactions ({type(exc).__name__})"
        raise InvalidDataError("--data", reason) from None
    finally:
        db.close()
    ratings = to_ratings(events)
    if ratings.empty:
        raise InvalidDataError("--data", "the database holds no interactions")
    return Dataset(f"marquee-{db.dialect}", "database", ratings, text, genres)
