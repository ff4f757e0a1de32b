"""Who may play what: the checks shared by streaming and downloads, in the order a viewer would
want them explained (profile, subscription, maturity, country, something ready to play)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.domain.billing import Entitlements
from marquee.domain.catalog import is_available
from marquee.domain.maturity import may_watch
from marquee.domain.media import Manifest
from marquee.errors import Conflict, Forbidden, InvalidInput, NotFound
from marquee.storage.db.tables import (
    Episode,
    MediaAsset,
    Plan,
    Profile,
    Season,
    Title,
    TitleAvailability,
)


@dataclass(frozen=True)
class Grant:
    """Everything a session or a download is allowed, resolved once."""

    account_id: int
    profile_id: int
    country: str
    title_id: int
    title_name: str
    downloadable: bool
    episode_id: int | None
    asset_id: int
    manifest: Manifest
    plan_code: str
    plan_name: str
    max_height: int
    max_streams: int
    downloads: bool


@dataclass(frozen=True)
class Request:
    account_id: int
    profile_id: int
    title_id: int
    episode_id: int | None


def owned_profile(s: Session, *, account_id: int, profile_id: int) -> Profile:
    """The profile if it is the caller's; another account's looks exactly like a missing one."""
    profile = s.scalar(
        select(Profile).where(Profile.id == profile_id, Profile.account_id == account_id)
    )
    if profile is None:
        raise NotFound(f"no profile {profile_id}")
    return profile


def check_episode(s: Session, *, title_id: int, episode_id: int) -> None:
    found = s.scalar(
        select(Episode.id)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.id == episode_id, Season.title_id == title_id)
    )
    if found is None:
        raise NotFound(f"title {title_id} has no episode {episode_id}")


def grant(
    s: Session, request: Request, *, entitlements: Entitlements | None, now: datetime
) -> Grant:
    """Run every check; raise the first refusal with a reason a viewer understands."""
    profile = owned_profile(s, account_id=request.account_id, profile_id=request.profile_id)
    title = _title(s, request)
    if entitlements is None:
        raise Forbidden(
            "Playback needs a subscription: your account has no trial or active plan "
            "(subscribe with POST /v1/subscription)"
        )
    _check_maturity(profile, title)
    windows = list(
        s.scalars(select(TitleAvailability).where(TitleAvailability.title_id == title.id))
    )
    if not is_available(windows, profile.country, now):
        raise Forbidden(f"'{title.name}' is not available in your country ({profile.country}) now")
    asset, manifest = _ready_asset(s, title, request.episode_id)
    return Grant(
        account_id=request.account_id,
        profile_id=profile.id,
        country=profile.country,
        title_id=title.id,
        title_name=title.name,
        downloadable=title.downloadable,
        episode_id=request.episode_id,
        asset_id=asset.id,
        manifest=manifest,
        plan_code=entitlements.plan,
        plan_name=plan_name(s, entitlements.plan),
        max_height=entitlements.max_resolution,
        max_streams=entitlements.max_streams,
        downloads=entitlements.downloads,
    )


def _title(s: Session, request: Request) -> Title:
    """The title asked for; an episode must be one of its own, and a series needs one."""
    title = s.get(Title, request.title_id)
    if title is None:
        raise NotFound(f"no title {request.title_id}")
    if request.episode_id is not None:
        check_episode(s, title_id=title.id, episode_id=request.episode_id)
    elif _has_episodes(s, title.id):
        raise InvalidInput.on(
            "body.episode_id",
            f"required: '{title.name}' has episodes "
            f"(GET /v1/titles/{title.id}/next-episode says which one is next)",
        )
    return title


def _has_episodes(s: Session, title_id: int) -> bool:
    found = s.scalar(
        select(Episode.id)
        .join(Season, Season.id == Episode.season_id)
        .where(Season.title_id == title_id)
        .limit(1)
    )
    return found is not None


def _check_maturity(profile: Profile, title: Title) -> None:
    if may_watch(profile.maturity_level, title.maturity_level):
        return
    who = f"kids profile '{profile.name}'" if profile.is_kids else f"profile '{profile.name}'"
    raise Forbidden(
        f"The {who} may watch titles up to maturity level {profile.maturity_level}; "
        f"'{title.name}' is rated {title.maturity_rating} (level {title.maturity_level})"
    )


def _ready_asset(s: Session, title: Title, episode_id: int | None) -> tuple[MediaAsset, Manifest]:
    found = newest_ready(s, title_id=title.id, episode_id=episode_id)
    if found is not None:
        return found
    what = f"episode {episode_id} of '{title.name}'" if episode_id else f"'{title.name}'"
    raise Conflict(f"{what} is not yet playable: no transcoded rendition is ready")


def newest_ready(
    s: Session, *, title_id: int, episode_id: int | None
) -> tuple[MediaAsset, Manifest] | None:
    """The newest ready rendition set of the title (or episode), if there is one."""
    query = (
        select(MediaAsset)
        .where(
            MediaAsset.title_id == title_id,
            MediaAsset.episode_id.is_(None)
            if episode_id is None
            else MediaAsset.episode_id == episode_id,
            MediaAsset.status == "ready",
        )
        .order_by(MediaAsset.id.desc())
    )
    # A JSON null and an SQL NULL both mean "no manifest"; test it here, not in SQL.
    for asset in s.scalars(query.limit(5)):
        if asset.manifest:
            return asset, Manifest.from_json(asset.manifest)
    return None


@dataclass(frozen=True)
class QualityCap:
    """A plan that plays a title below its best rung: what the viewer is told."""

    plan_name: str
    max_height: int  # the plan's ceiling
    best_height: int  # the title's best rung


def quality_cap(
    s: Session, *, entitlements: Entitlements, title_id: int, episode_id: int | None
) -> QualityCap | None:
    """The cap when the newest ready rendition set has rungs above the plan's, else None."""
    found = newest_ready(s, title_id=title_id, episode_id=episode_id)
    if found is None:
        return None
    best = max((v.rung for v in found[1].variants), default=0)
    if best <= entitlements.max_resolution:
        return None
    return QualityCap(plan_name(s, entitlements.plan), entitlements.max_resolution, best)


def plan_name(s: Session, code: str) -> str:
    return s.scalar(select(Plan.name).where(Plan.code == code)) or code
