"""A MovieLens dataset seen as Marquee's precompute sees its platform: title cards, events,
profiles and ``HomeData``, so offline evaluation builds pages with precompute's own functions.

MovieLens has no plays: a rating means the title was seen, so every training rating blocks the
title from the profile's rows (as a completion does on the platform), ratings ≥ 4 are the likes
that anchor "Because you watched" rows and make genre affinity, and ratings reach the models as
``rate`` events (≤ 2 stars is a dislike, as on the platform).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from marquee.recs.data import IdMap
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.precompute_data import HomeData, ProfileRow, popularity
from marquee.services.title_cards import TitleCard

LIKED = 4.0  # stars: a like (anchor, affinity), as ``precompute_data`` reads ratings
COUNTRY = "US"  # MovieLens has one audience; any country code works
SEGMENT = f"{COUNTRY}|-"
FRESH = 40  # as precompute's exploration pool
NEW_ROW = 40
_YEAR = re.compile(r"\((\d{4})\)")


def genre_slug(name: str) -> str:
    return name.strip().lower().replace(" ", "-").replace("'", "")


def title_cards(dataset: Dataset, items: IdMap) -> dict[int, TitleCard]:
    """One card per item: genres from the dataset, release year from the title text."""
    genres: dict[int, list[str]] = {}
    if dataset.item_genres is not None:
        for item, genre in dataset.item_genres.itertuples(index=False):
            genres.setdefault(int(item), []).append(genre_slug(str(genre)))
    years: dict[int, int] = {}
    if dataset.item_text is not None:
        for item, text in dataset.item_text.itertuples(index=False):
            found = _YEAR.search(str(text))
            if found and 1880 <= int(found.group(1)) <= 2100:
                years[int(item)] = int(found.group(1))
    cards = {}
    for raw in items.raw.tolist():
        year = years.get(raw)
        released = date(year, 1, 1) if year else None
        cards[raw] = TitleCard(
            id=raw,
            name=str(raw),
            kind="movie",
            year=year,
            maturity_rating="",
            maturity_level=0,
            genres=tuple(genres.get(raw, ())),
            runtime_minutes=None,
            release_date=released,
            created_at=datetime(year or 1900, 1, 1, tzinfo=UTC),
            artwork_key=None,
            windows=(),
        )
    return cards


def as_events(ratings: pd.DataFrame) -> pd.DataFrame:
    """Ratings as platform events ``user_id, item_id, kind, value, timestamp``."""
    return pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(np.int64),
            "item_id": ratings["item_id"].to_numpy(np.int64),
            "kind": "rate",
            "value": ratings["rating"].to_numpy(np.float64),
            "timestamp": ratings["timestamp"].to_numpy(np.int64),
        }
    )


def profile_row(
    user: int, history: pd.DataFrame, cards: Mapping[int, TitleCard], blocked: Iterable[int]
) -> ProfileRow:
    """A test user as precompute's ``ProfileRow``: likes newest first anchor the rows."""
    liked = history[history["rating"] >= LIKED].sort_values("timestamp", ascending=False)
    anchors = list(dict.fromkeys(int(t) for t in liked["item_id"]))
    affinity: Counter[str] = Counter()
    for tid in anchors:
        affinity.update(cards[tid].genres if tid in cards else ())
    top = max(affinity.values(), default=0)
    return ProfileRow(
        profile_id=user,
        name=f"user {user}",
        max_level=100,
        country=COUNTRY,
        segment=SEGMENT,
        blocked=frozenset({*(int(t) for t in history["item_id"]), *blocked}),
        affinity={g: n / top for g, n in affinity.items()} if top else {},
        anchors=anchors,
        loved=[],  # Watch It Again needs completions; ratings are not plays
    )


def home_data(
    train: pd.DataFrame,
    *,
    cards: dict[int, TitleCard],
    items: IdMap,
    item_text: pd.DataFrame | None,
    profiles: list[ProfileRow],
    now: datetime,
) -> HomeData:
    """``HomeData`` over the training ratings, as ``precompute_data.load_home_data`` builds it."""
    events = as_events(train[items.index(train["item_id"].to_numpy()) >= 0])
    text = item_text if item_text is not None else pd.DataFrame({"item_id": items.raw, "text": ""})
    return HomeData(
        events=events.reset_index(drop=True),
        items=items,
        item_text=text,
        cards=cards,
        catalog_mark="offline",
        profiles=profiles,
        segments={SEGMENT},
        new_releases=newest(cards, now),
        fresh=fresh(cards, events),
        pins=[],
        popular=popularity(events, {}),
    )


def newest(cards: Mapping[int, TitleCard], now: datetime) -> list[int]:
    """New Releases: the newest titles released by ``now`` (MovieLens dates are years)."""
    released = [c for c in cards.values() if c.release_date and c.release_date <= now.date()]
    ordered = sorted(released, key=lambda c: (c.release_date or date.min, c.id), reverse=True)
    return [c.id for c in ordered[:NEW_ROW]]


def fresh(cards: Mapping[int, TitleCard], events: pd.DataFrame) -> list[int]:
    """Exploration pool as precompute's: titles at most median-seen, newest first."""
    seen = events.groupby("item_id")["user_id"].nunique() if len(events) else pd.Series(dtype=int)
    limit = float(seen.median()) if len(seen) else 0.0
    ordered = sorted(cards.values(), key=lambda c: (c.created_at, c.id), reverse=True)
    return [c.id for c in ordered if float(seen.get(c.id, 0)) <= limit][:FRESH]


def latest(frame: pd.DataFrame) -> datetime:
    """The training data's last moment: "now" for trending and new releases."""
    stamp = int(frame["timestamp"].max()) if len(frame) else 0
    return datetime.fromtimestamp(stamp, tz=UTC)
