"""A profile's live state for its homepage, read in one database session: Continue Watching,
the titles it must not be shown again now, and My List."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marquee.services.lists import saved_ids
from marquee.services.progress import WatchItem
from marquee.services.progress import watching as progress_watching
from marquee.services.viewers import Viewer
from marquee.storage.db.tables import Exclusion, WatchProgress


@dataclass(frozen=True)
class LiveState:
    watching: list[WatchItem]
    blocked: set[int]  # exclusions, and titles finished since the rows were computed
    saved: list[int]  # My List, most recent first


def live_state(s: Session, viewer: Viewer, *, since: datetime | None, now: datetime) -> LiveState:
    """The state of a viewer already checked to be the caller's; ``since`` is when its rows were
    computed (a day ago when unknown)."""
    since = since or now - timedelta(days=1)
    return LiveState(
        progress_watching(s, viewer.profile_id, viewer.max_level, viewer.country, now),
        _blocked(s, viewer.profile_id, since),
        saved_ids(s, viewer.profile_id),
    )


def _blocked(s: Session, profile_id: int, since: datetime) -> set[int]:
    excluded = s.scalars(
        select(Exclusion.title_id).where(
            or_(Exclusion.profile_id.is_(None), Exclusion.profile_id == profile_id)
        )
    )
    finished = s.scalars(
        select(WatchProgress.title_id).where(
            WatchProgress.profile_id == profile_id,
            WatchProgress.completed.is_(True),
            WatchProgress.episode_id.is_(None),
            WatchProgress.updated_at >= since,
        )
    )
    return set(excluded) | set(finished)
