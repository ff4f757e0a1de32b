"""Read-only queries the pages need that no service answers yet: which titles have something
ready to play for a profile, where the profile stopped, and which rungs a title has. The media
and playback services may take these over; the pages only see plain values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.domain.catalog import is_available
from marquee.domain.media import Manifest
from marquee.services import progress
from marquee.services.progress import EpisodeRef
from marquee.storage.db import Database
from marquee.storage.db.tables import MediaAsset, Profile, Title, TitleAvailability, WatchProgress


@dataclass(frozen=True)
class PlayableTitle:
    id: int
    name: str
    kind: str
    year: int | None
    maturity_rating: str
    runtime_minutes: int | None


def playable_titles(
    db: Database, clock: Clock, profile: Profile, *, limit: int
) -> list[PlayableTitle]:
    """Titles with a ready rendition set that ``profile`` may watch in its country now."""
    ready = select(MediaAsset.title_id).where(
        MediaAsset.status == "ready", MediaAsset.manifest.is_not(None)
    )
    query = (
        select(Title)
        .where(Title.id.in_(ready), Title.maturity_level <= profile.maturity_level)
        .order_by(Title.created_at.desc(), Title.id.desc())
        .limit(limit * 2)
    )
    now = clock()
    with db.session() as s:
        titles = list(s.scalars(query))
        windows = _windows(s, [t.id for t in titles])
        return [
            PlayableTitle(t.id, t.name, t.kind, t.year, t.maturity_rating, t.runtime_minutes)
            for t in titles
            if is_available(windows.get(t.id, []), profile.country, now)
        ][:limit]


def _windows(s: Session, title_ids: list[int]) -> dict[int, list[TitleAvailability]]:
    found: dict[int, list[TitleAvailability]] = {}
    rows = s.scalars(select(TitleAvailability).where(TitleAvailability.title_id.in_(title_ids)))
    for row in rows:
        found.setdefault(row.title_id, []).append(row)
    return found


def resume_position(
    db: Database, *, profile_id: int, title_id: int, episode_id: int | None
) -> float | None:
    """Where the profile stopped in the title (or episode), if a resume point was kept."""
    key = f"{title_id}" if episode_id is None else f"{title_id}:{episode_id}"
    with db.session() as s:
        row = s.scalar(
            select(WatchProgress).where(
                WatchProgress.profile_id == profile_id, WatchProgress.item_key == key
            )
        )
        if row is None or row.completed or row.position_s <= 0:
            return None
        return float(row.position_s)


def next_episode(db: Database, *, title_id: int, episode_id: int) -> EpisodeRef | None:
    """The episode after this one, in the progress service's order (None after the last)."""
    with db.session() as s:
        return progress.next_after(s, title_id, episode_id)


def ladder_rungs(db: Database, *, title_id: int, episode_id: int | None) -> list[int]:
    """Rungs ("720p" -> 720) of the newest ready rendition set of the title (or episode),
    ascending; plan caps compare against these."""
    query = (
        select(MediaAsset.manifest)
        .where(
            MediaAsset.title_id == title_id,
            MediaAsset.episode_id.is_(None)
            if episode_id is None
            else MediaAsset.episode_id == episode_id,
            MediaAsset.status == "ready",
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )
    with db.session() as s:
        manifest = s.scalar(query)
    if not manifest:
        return []
    return sorted({v.rung for v in Manifest.from_json(manifest).variants})
