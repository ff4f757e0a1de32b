"""Who a personalised request is for: a profile of the caller's account, with its limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.domain.maturity import ADULT_LEVEL, KIDS_MAX_LEVEL
from marquee.errors import NotFound
from marquee.storage.db import Database
from marquee.storage.db.tables import Profile


@dataclass(frozen=True)
class Viewer:
    """The profile a page is built for; ``max_level`` already includes the kids cap."""

    profile_id: int
    name: str
    max_level: int
    country: str
    age_band: str | None
    is_kids: bool

    @property
    def segment(self) -> str:
        """The popularity segment: country and age band."""
        return f"{self.country}|{self.age_band or '-'}"


ANONYMOUS_LEVEL = ADULT_LEVEL


def viewer_of(profile: Profile) -> Viewer:
    level = (
        min(profile.maturity_level, KIDS_MAX_LEVEL) if profile.is_kids else profile.maturity_level
    )
    return Viewer(
        profile_id=profile.id,
        name=profile.name,
        max_level=level,
        country=profile.country,
        age_band=profile.age_band,
        is_kids=profile.is_kids,
    )


def resolve_viewer(db: Database, *, account_id: int, profile_id: int) -> Viewer:
    """The profile if it belongs to ``account_id``; another account's is simply not found."""
    with db.session() as s:
        return viewer_in(s, account_id=account_id, profile_id=profile_id)


def viewer_in(s: Session, *, account_id: int, profile_id: int) -> Viewer:
    """``resolve_viewer`` within a session the caller already holds."""
    profile = s.scalars(
        select(Profile).where(Profile.id == profile_id, Profile.account_id == account_id)
    ).first()
    if profile is None:
        raise NotFound(f"no profile {profile_id}")
    return viewer_of(profile)
