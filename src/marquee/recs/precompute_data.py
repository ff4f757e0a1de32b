"""What precompute reads: interactions, profiles, the catalog and the editorial tables.

Interactions come from the ``interactions`` table (the platform's evaluation path reads the same
table, see ``recs/evaluation/platform.py``) plus finished or started titles from watch progress,
so what was played on this platform counts even before it reaches the table; ratings, thumbs and
list adds made on the platform come from the lake (when one is given). Onboarding title
picks join them as ``interaction`` events (a positive for the models, never an anchor of a
"Because you watched" row nor a popularity vote); genre picks feed the genre affinity.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, or_, select

from marquee.domain.events import EventType
from marquee.recs import lake_events
from marquee.recs.data import FINISHED_COMPLETION, IdMap
from marquee.recs.ranking.impression_labels import Impressions
from marquee.services.title_cards import TitleCard, TitleCards
from marquee.services.viewers import Viewer, viewer_of
from marquee.storage.db import Database
from marquee.storage.db.tables import (
    EditorialPin,
    Exclusion,
    Interaction,
    OnboardingPick,
    Profile,
    Title,
    WatchProgress,
)
from marquee.storage.lake import Lake

EPOCH = pd.Timestamp(0, tz="UTC")
FRESH = 40
NEW_ROW = 20
_POSITIVE_KINDS = ("thumbs_up", "rate", "play")
VERDICT_TYPES = ("rate", "thumbs_up", "thumbs_down", "add_to_list")
PICK = "interaction"  # an onboarding title pick, as an event kind (recs/data.py: confidence 1)
IMPRESSION, PLAY_START = EventType.IMPRESSION.value, EventType.PLAY_START.value


@dataclass(frozen=True)
class ProfileRow:
    profile_id: int
    name: str
    max_level: int
    country: str
    segment: str
    blocked: frozenset[int]  # seen (finished, rated, disliked), picked and excluded
    affinity: Mapping[str, float]
    anchors: list[int]  # recent completions and high ratings, newest first
    loved: list[int]  # finished titles, most loved first
    picks: list[int] = field(default_factory=list)  # onboarding title picks, newest first


@dataclass
class HomeData:
    events: pd.DataFrame  # user_id, item_id, kind, value, timestamp
    items: IdMap
    item_text: pd.DataFrame
    cards: dict[int, TitleCard]
    catalog_mark: str
    profiles: list[ProfileRow]
    segments: set[str]
    new_releases: list[int]
    fresh: list[int]
    pins: list[tuple[str, int, int, str | None]]  # row, title, position, country
    popular: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def segment_popular(self, segment: str) -> list[tuple[int, float]]:
        return self.popular.get(segment) or self.popular.get("*", [])

    def pins_for(self, country: str | None) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row, title, position, where in self.pins:
            if where is None or where == country:
                out[row].append((title, position))
        return dict(out)


def load_events(db: Database) -> pd.DataFrame:
    """Interactions plus watch progress (as ``play`` with its completion), time in seconds."""
    with db.session() as s:
        rows = s.execute(
            select(
                Interaction.profile_id,
                Interaction.title_id,
                Interaction.kind,
                Interaction.value,
                Interaction.occurred_at,
            ).where(Interaction.kind.in_((*_POSITIVE_KINDS, "thumbs_down")))
        ).all()
        progress = s.execute(
            select(
                WatchProgress.profile_id,
                WatchProgress.title_id,
                WatchProgress.position_s,
                WatchProgress.duration_s,
                WatchProgress.completed,
                WatchProgress.updated_at,
            )
        ).all()
        picks = s.execute(
            select(OnboardingPick.profile_id, OnboardingPick.ref, OnboardingPick.created_at).where(
                OnboardingPick.kind == "title"
            )
        ).all()
    chosen = [(p, int(ref), PICK, 1.0, at) for p, ref, at in picks if ref.isdigit()]
    frame = pd.DataFrame(
        [*map(tuple, rows), *chosen], columns=["user_id", "item_id", "kind", "value", "at"]
    )
    played = [
        (p, t, "play", 1.0 if done else min(1.0, pos / dur) if dur else 0.0, at)
        for p, t, pos, dur, done, at in progress
    ]
    frame = pd.concat(
        [frame, pd.DataFrame(played, columns=frame.columns)], ignore_index=True
    ).astype({"user_id": np.int64, "item_id": np.int64, "kind": str, "value": np.float64})
    # Ratings live on a 1–5 scale here; thumbs carry 1.
    stamps = pd.to_datetime(frame["at"], utc=True) if len(frame) else pd.Series([], dtype=object)
    seconds = (stamps - EPOCH) // pd.Timedelta(seconds=1) if len(frame) else stamps
    return frame.assign(timestamp=np.asarray(seconds, dtype=np.int64)).drop(columns="at")


def lake_verdicts(lake: Lake) -> pd.DataFrame:
    """Ratings, thumbs and list adds from the lake as event kinds. Onboarding's thumbs are left
    out: the picks table carries them (``PICK``), without making them "watched" anchors."""
    types = ", ".join(f"'{t}'" for t in VERDICT_TYPES)
    table = lake.query(
        "SELECT type, profile_id, title_id, session_id, value, client_time, server_time "
        f"FROM events WHERE type IN ({types}) AND title_id IS NOT NULL "
        "AND session_id <> 'onboarding'"
    )
    return lake_events.to_event_kinds(lake_events.as_frame(table))


def lake_impressions(lake: Lake, *, since: int) -> Impressions:
    """Impressions and play starts from ``since`` (seconds) on, for the ranker's impression
    labels. The scan reads five columns of those two event types in the days from ``since``
    (filters pushed down to the lake's files), not the imported ratings beside them."""
    rows = lake.scan(
        since=datetime.fromtimestamp(since, UTC),
        columns=["type", "profile_id", "title_id", "context", "client_time"],
        types=[IMPRESSION, PLAY_START],
    )
    micros = pc.cast(pc.cast(rows["client_time"], pa.timestamp("us", tz="UTC")), pa.int64())
    seconds = pc.divide(micros, 1_000_000)  # integer division: whole seconds, as events have
    frame = rows.drop_columns(["client_time"]).append_column("timestamp", seconds).to_pandas()
    shown = frame[frame["type"] == IMPRESSION].drop(columns="type")
    starts = frame[(frame["type"] == PLAY_START) & frame["title_id"].notna()]
    played = pd.DataFrame(
        {
            "user_id": starts["profile_id"].astype(np.int64),
            "item_id": starts["title_id"].astype(np.int64),
            "kind": "play",
            "value": np.nan,  # a start says nothing of completion
            "timestamp": starts["timestamp"].astype(np.int64),
        }
    )
    return Impressions(shown.reset_index(drop=True), played.reset_index(drop=True))


def load_home_data(
    db: Database, *, now: datetime, new_days: int = 90, lake: Lake | None = None
) -> HomeData:
    events = load_events(db)
    if lake is not None:
        # Imported ratings are in both the interactions table and the lake: keep one of each.
        both = pd.concat([events, lake_verdicts(lake)], ignore_index=True)
        events = both.drop_duplicates(["user_id", "item_id", "kind", "timestamp"])
        events = events.reset_index(drop=True)
    with db.session() as s:
        titles = s.execute(select(Title.id, Title.name, Title.description)).all()
        mark = s.execute(select(func.count(Title.id), func.max(Title.updated_at))).one()
        profiles = list(s.scalars(select(Profile).order_by(Profile.id)))
        viewers = [viewer_of(p) for p in profiles]
        excluded = s.execute(select(Exclusion.profile_id, Exclusion.title_id)).all()
        genre_picks = s.execute(
            select(OnboardingPick.profile_id, OnboardingPick.ref).where(
                OnboardingPick.kind == "genre"
            )
        ).all()
        pins = s.execute(
            select(
                EditorialPin.row, EditorialPin.title_id, EditorialPin.position, EditorialPin.country
            )
            .where(or_(EditorialPin.starts_at.is_(None), EditorialPin.starts_at <= now))
            .where(or_(EditorialPin.ends_at.is_(None), EditorialPin.ends_at > now))
        ).all()
    cards = TitleCards(db, ttl_s=0.0).get([t for t, _, _ in titles])
    text = pd.DataFrame(
        [
            (t, f"{name} {' '.join(cards[t].genres) if t in cards else ''} {desc or ''}")
            for t, name, desc in titles
        ],
        columns=["item_id", "text"],
    ).astype({"item_id": np.int64, "text": str})
    items = IdMap.from_values([t for t, _, _ in titles])
    events = events[items.index(events["item_id"].to_numpy()) >= 0].reset_index(drop=True)
    blocked_all = {t for p, t in excluded if p is None}
    per_profile: dict[int, set[int]] = defaultdict(set)
    for p, t in excluded:
        if p is not None:
            per_profile[p].add(t)
    by_profile = {int(k): g for k, g in events.groupby("user_id")} if len(events) else {}
    liked_genres: dict[int, list[str]] = defaultdict(list)
    for p, slug in genre_picks:
        liked_genres[p].append(slug)
    rows = [
        _profile_row(
            v,
            by_profile.get(v.profile_id),
            cards,
            blocked_all | per_profile[v.profile_id],
            liked_genres[v.profile_id],
        )
        for v in viewers
    ]
    segments = {v.segment for v in viewers}
    segment_of = {v.profile_id: v.segment for v in viewers}
    return HomeData(
        events=events,
        items=items,
        item_text=text,
        cards=cards,
        # Editorial changes make a new version too, else a rerun would skip every profile.
        catalog_mark=f"{mark[0]}:{mark[1]}:{sorted(excluded)}:{sorted(pins, key=str)}",
        profiles=rows,
        segments=segments,
        new_releases=_new_releases(cards, now, new_days),
        fresh=_fresh(cards, events),
        pins=[(r, t, p, c) for r, t, p, c in pins],
        popular=popularity(events, segment_of),
    )


def _liked(frame: pd.DataFrame) -> pd.Series:
    kind, value = frame["kind"], frame["value"]
    return (
        (kind == "thumbs_up")
        | ((kind == "rate") & (value >= 4))
        | ((kind == "play") & (value >= FINISHED_COMPLETION))
    )


def _profile_row(
    viewer: Viewer,
    frame: pd.DataFrame | None,
    cards: Mapping[int, TitleCard],
    blocked: set[int],
    genre_picks: list[str],
) -> ProfileRow:
    anchors: list[int] = []
    loved: list[int] = []
    picks: list[int] = []
    done: set[int] = set()
    affinity: Counter[str] = Counter(dict.fromkeys(genre_picks, 2))
    if frame is not None and len(frame):
        picked = frame[frame["kind"] == PICK].sort_values("timestamp", ascending=False)
        picks = list(dict.fromkeys(int(t) for t in picked["item_id"]))
        for t in picks:
            affinity.update(cards[t].genres if t in cards else ())
        liked = frame[_liked(frame)].sort_values("timestamp", ascending=False)
        anchors = list(dict.fromkeys(int(t) for t in liked["item_id"]))
        # Seen: finished, rated (an imported rating is a viewing) or thumbed down.
        kind, value = frame["kind"], frame["value"]
        seen = ((kind == "play") & (value >= FINISHED_COMPLETION)) | kind.isin(
            ("rate", "thumbs_down")
        )
        done = {int(t) for t in frame.loc[seen, "item_id"]}
        loved = [t for t in anchors if t in done]
        for t in anchors:
            affinity.update(cards[t].genres if t in cards else ())
    top = max(affinity.values(), default=0)
    return ProfileRow(
        profile_id=viewer.profile_id,
        name=viewer.name,
        max_level=viewer.max_level,
        country=viewer.country,
        segment=viewer.segment,
        # Picks are titles the profile knows and likes: never recommended back.
        blocked=frozenset(blocked | done | set(picks)),
        affinity={g: n / top for g, n in affinity.items()} if top else {},
        anchors=anchors,
        loved=loved,
        picks=picks,
    )


def popularity(
    events: pd.DataFrame, segment_of: Mapping[int, str], *, min_users: int = 5
) -> dict[str, list[tuple[int, float]]]:
    """Distinct positive users per title, globally (``*``) and per segment with enough users."""
    if not len(events):
        return {}
    liked = events[_liked(events) | (events["kind"] == "play")]
    pairs = liked[["user_id", "item_id"]].drop_duplicates()
    out = {"*": _ranked(pairs)}
    segments = pairs["user_id"].map(lambda u: segment_of.get(int(u), "?"))
    for segment, group in pairs.groupby(segments):
        if group["user_id"].nunique() >= min_users:
            out[str(segment)] = _ranked(group)
    return out


def _ranked(pairs: pd.DataFrame) -> list[tuple[int, float]]:
    counts = pairs.groupby("item_id").size().sort_values(ascending=False, kind="stable")
    return [(int(t), float(n)) for t, n in counts.items()]


def _new_releases(cards: Mapping[int, TitleCard], now: datetime, days: int) -> list[int]:
    def released(card: TitleCard) -> datetime:
        day = card.released_on()
        return (
            day
            if isinstance(day, datetime)
            else datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
        )

    newest = sorted(cards.values(), key=lambda c: (released(c), c.id), reverse=True)
    recent = [c.id for c in newest if (now - released(c)).days <= days and released(c) <= now]
    return (recent if len(recent) >= 3 else [c.id for c in newest if released(c) <= now])[
        : NEW_ROW * 2
    ]


def _fresh(cards: Mapping[int, TitleCard], events: pd.DataFrame) -> list[int]:
    """Exploration pool: titles few have seen, newest first."""
    seen = events.groupby("item_id")["user_id"].nunique() if len(events) else pd.Series(dtype=int)
    limit = float(seen.median()) if len(seen) else 0.0
    newest = sorted(cards.values(), key=lambda c: (c.created_at, c.id), reverse=True)
    return [c.id for c in newest if float(seen.get(c.id, 0)) <= limit][:FRESH]
