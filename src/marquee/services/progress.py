"""Watch progress per profile: resume positions, Continue Watching and the next episode.

Progress is written from heartbeats (``record``, inside the caller's unit of work) under the
rules of ``domain.playback.progress_at``: under 5 % nothing is kept, over 90 % the item is
complete. Completed episodes stay, because "what comes next" is read from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.domain.catalog import is_available
from marquee.domain.maturity import may_watch
from marquee.domain.playback import Progress, episode_after, progress_at
from marquee.errors import NotFound
from marquee.services.playback_access import owned_profile
from marquee.storage.db import Database
from marquee.storage.db.tables import (
    Episode,
    Season,
    Title,
    TitleAvailability,
    WatchProgress,
)

MAX_ROWS = 20


def item_key(title_id: int, episode_id: int | None) -> str:
    return str(title_id) if episode_id is None else f"{title_id}:{episode_id}"


@dataclass(frozen=True)
class EpisodeRef:
    id: int
    season_number: int
    number: int
    name: str


@dataclass(frozen=True)
class WatchItem:
    """Something to carry on with: a title (or one of its episodes) and where to start."""

    title_id: int
    title_name: str
    kind: str
    episode: EpisodeRef | None
    position_s: float
    duration_s: float | None  # None for a next episode not yet started
    updated_at: datetime
    reason: str  # "resume" | "next"


def record(
    s: Session,
    *,
    profile_id: int,
    title_id: int,
    episode_id: int | None,
    position_s: float,
    duration_s: float,
    now: datetime,
) -> Progress:
    """Apply the resume rules to a reported position; returns what they made of it."""
    progress = progress_at(position_s, duration_s)
    key = item_key(title_id, episode_id)
    row = s.scalar(
        select(WatchProgress).where(
            WatchProgress.profile_id == profile_id, WatchProgress.item_key == key
        )
    )
    if progress.position_s is None and not progress.completed:
        # A few seconds in is a sample; a finished title stays finished.
        if row is not None and not row.completed:
            s.delete(row)
        return progress
    if row is None:
        row = _insert_or_get(s, profile_id, title_id, episode_id, duration_s)
    row.position_s = progress.position_s or 0.0
    row.duration_s = duration_s
    row.completed = progress.completed
    row.updated_at = now
    return progress


def _insert_or_get(
    s: Session, profile_id: int, title_id: int, episode_id: int | None, duration_s: float
) -> WatchProgress:
    # Two sessions of one profile may report the same item at once; the loser updates instead.
    key = item_key(title_id, episode_id)
    row = WatchProgress(
        profile_id=profile_id,
        title_id=title_id,
        episode_id=episode_id,
        item_key=key,
        duration_s=duration_s,
    )
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        return s.scalars(
            select(WatchProgress).where(
                WatchProgress.profile_id == profile_id, WatchProgress.item_key == key
            )
        ).one()
    return row


def resume_position(s: Session, *, profile_id: int, title_id: int, episode_id: int | None) -> float:
    row = s.scalar(
        select(WatchProgress).where(
            WatchProgress.profile_id == profile_id,
            WatchProgress.item_key == item_key(title_id, episode_id),
        )
    )
    return 0.0 if row is None or row.completed else row.position_s


def episode_order(s: Session, title_id: int) -> list[EpisodeRef]:
    rows = s.execute(
        select(Episode.id, Season.number, Episode.number, Episode.name)
        .join(Season, Season.id == Episode.season_id)
        .where(Season.title_id == title_id)
        .order_by(Season.number, Episode.number)
    )
    return [EpisodeRef(*row) for row in rows]


def next_after(s: Session, title_id: int, episode_id: int) -> EpisodeRef | None:
    order = episode_order(s, title_id)
    following = episode_after([e.id for e in order], episode_id)
    return next((e for e in order if e.id == following), None)


class ProgressService:
    """Read side of watch progress, scoped to the caller's profiles."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def continue_watching(self, *, account_id: int, profile_id: int) -> list[WatchItem]:
        """Most recent first; one entry per title; finished movies and series are left out."""
        with self._db.session() as s:
            profile = owned_profile(s, account_id=account_id, profile_id=profile_id)
            return watching(s, profile.id, profile.maturity_level, profile.country, self._clock())

    def next_episode(self, *, account_id: int, profile_id: int, title_id: int) -> WatchItem | None:
        """Where this profile carries on with a series: the episode in progress, the one after
        the last finished, or the first; None when the title has no episodes or all are done."""
        with self._db.session() as s:
            owned_profile(s, account_id=account_id, profile_id=profile_id)
            title = s.get(Title, title_id)
            if title is None:
                raise NotFound(f"no title {title_id}")
            latest = s.scalar(
                select(WatchProgress)
                .where(
                    WatchProgress.profile_id == profile_id,
                    WatchProgress.title_id == title_id,
                    WatchProgress.episode_id.is_not(None),
                )
                .order_by(WatchProgress.updated_at.desc(), WatchProgress.id.desc())
                .limit(1)
            )
            if latest is not None:
                return self._item(s, latest)
            order = episode_order(s, title_id)
            if not order:
                return None
            return WatchItem(
                title.id, title.name, title.kind, order[0], 0.0, None, self._clock(), "next"
            )

    def resume_position(
        self, *, account_id: int, profile_id: int, title_id: int, episode_id: int | None = None
    ) -> float | None:
        """Where the profile stopped in the title (or episode); None when nothing is kept."""
        with self._db.session() as s:
            owned_profile(s, account_id=account_id, profile_id=profile_id)
            position = resume_position(
                s, profile_id=profile_id, title_id=title_id, episode_id=episode_id
            )
        return position if position > 0 else None

    def episode_after(self, *, title_id: int, episode_id: int) -> EpisodeRef | None:
        """The episode that follows this one in the series' order; None after the last."""
        with self._db.session() as s:
            return next_after(s, title_id, episode_id)

    @staticmethod
    def _item(s: Session, row: WatchProgress) -> WatchItem | None:
        title = s.get_one(Title, row.title_id)
        order = episode_order(s, title.id) if row.episode_id is not None else []
        return _item(row, title, order)


def watching(
    s: Session, profile_id: int, max_level: int, country: str, now: datetime
) -> list[WatchItem]:
    """Continue Watching of a profile already known to be the caller's, within ``s``: titles,
    episode orders and availability in three queries for all rows, not several per row."""
    rows = s.scalars(
        select(WatchProgress)
        .where(WatchProgress.profile_id == profile_id)
        .order_by(WatchProgress.updated_at.desc(), WatchProgress.id.desc())
    )
    latest: dict[int, WatchProgress] = {}
    for row in rows:
        latest.setdefault(row.title_id, row)
    if not latest:
        return []
    titles = {t.id: t for t in s.scalars(select(Title).where(Title.id.in_(latest)))}
    orders = episode_orders(s, [r.title_id for r in latest.values() if r.episode_id is not None])
    windows = _windows(s, list(latest))
    kept: list[WatchItem] = []
    for row in latest.values():
        title = titles[row.title_id]
        if not may_watch(max_level, title.maturity_level):
            continue
        if not is_available(windows.get(title.id, []), country, now):
            continue
        item = _item(row, title, orders.get(title.id, []))
        if item is not None:
            kept.append(item)
    return kept[:MAX_ROWS]


def episode_orders(s: Session, title_ids: list[int]) -> dict[int, list[EpisodeRef]]:
    """``episode_order`` of several titles in one query."""
    orders: dict[int, list[EpisodeRef]] = {}
    if not title_ids:
        return orders
    rows = s.execute(
        select(Season.title_id, Episode.id, Season.number, Episode.number, Episode.name)
        .join(Season, Season.id == Episode.season_id)
        .where(Season.title_id.in_(set(title_ids)))
        .order_by(Season.title_id, Season.number, Episode.number)
    )
    for title_id, episode_id, season, number, name in rows:
        orders.setdefault(title_id, []).append(EpisodeRef(episode_id, season, number, name))
    return orders


def _windows(s: Session, title_ids: list[int]) -> dict[int, list[TitleAvailability]]:
    windows: dict[int, list[TitleAvailability]] = {}
    query = select(TitleAvailability).where(TitleAvailability.title_id.in_(title_ids))
    for window in s.scalars(query):
        windows.setdefault(window.title_id, []).append(window)
    return windows


def _item(row: WatchProgress, title: Title, order: list[EpisodeRef]) -> WatchItem | None:
    """What ``row`` leaves to watch: itself if unfinished, else the episode after it."""
    if not row.completed:
        episode = None
        if row.episode_id is not None:
            episode = next((e for e in order if e.id == row.episode_id), None)
        return WatchItem(
            title.id,
            title.name,
            title.kind,
            episode,
            row.position_s,
            row.duration_s,
            row.updated_at,
            "resume",
        )
    if row.episode_id is None:
        return None
    following = episode_after([e.id for e in order], row.episode_id)
    episode = next((e for e in order if e.id == following), None)
    if episode is None:
        return None
    return WatchItem(title.id, title.name, title.kind, episode, 0.0, None, row.updated_at, "next")
