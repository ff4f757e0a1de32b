"""Browse what the chosen profile can play, and a title's page with its play/resume button."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from marquee.bootstrap import Container
from marquee.storage.db.tables import Profile, Title
from marquee.web import mylist, personal
from marquee.web.deps import ContainerDep, ProfileDep, RendererDep, TitleId, ViewerDep
from marquee.web.render import redirect
from marquee.web.session import check_csrf

router = APIRouter()
BROWSE_LIMIT = 60
CAST_SHOWN = 12
FormText = Annotated[str, Form()]


@dataclass(frozen=True)
class PlayButton:
    """Where the title page's main button leads, and what it says."""

    href: str
    label: str
    resume_s: float | None


@router.get("/browse")
def browse(
    request: Request, profile: ProfileDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    titles, _ = container.catalog.list_titles(
        playable=True,
        country=profile.country,
        max_maturity_level=profile.maturity_level,
        sort="-created",
        limit=BROWSE_LIMIT,
    )
    return renderer.page(request, "browse.html", {"profile": profile, "titles": titles})


@router.get("/title/{title_id}")
def title_page(
    *,
    request: Request,
    title_id: TitleId,
    profile: ProfileDep,
    container: ContainerDep,
    renderer: RendererDep,
) -> Response:
    title = container.catalog.get_title(title_id=title_id)
    allowed = title.maturity_level <= profile.maturity_level
    context = {
        "profile": profile,
        "title": title,
        "play": _play_button(container, profile, title) if allowed else None,
        "cast": [c for c in title.credits if c.role == "actor"][:CAST_SHOWN],
        "crew": [c for c in title.credits if c.role != "actor"][:CAST_SHOWN],
        "saved": title.id in mylist.saved_ids(container, profile),
        "similar": personal.similar(container, profile, title.id),
    }
    return renderer.page(request, "title.html", context)


@router.post("/title/{title_id}/rate")
def rate(
    *,
    request: Request,
    title_id: TitleId,
    profile: ProfileDep,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    value: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Thumbs up or down, or a 1-5 star rating: one event through the events service."""
    check_csrf(request, csrf_token)
    container.catalog.get_title(title_id=title_id)
    event = _rating_event(profile, title_id, value, container.clock())
    result = container.events.ingest([event], account_id=viewer.account_id)
    error = result.errors[0].reason if result.errors else None
    context = {"title_id": title_id, "value": None if error else value, "error": error}
    status = 422 if error else 200
    if request.headers.get("hx-request") != "true":
        return (
            redirect(request, f"/title/{title_id}")
            if not error
            else renderer.page(
                request,
                "error.html",
                {"status": 422, "message": error, "detail": ""},
                status_code=422,
            )
        )
    return renderer.page(request, "_rating.html", context, status_code=status)


def _rating_event(profile: Profile, title_id: int, value: str, now: datetime) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "profile_id": profile.id,
        "session_id": f"web-{profile.id}",
        "item": {"title_id": title_id},
        "client_time": now.isoformat(),
        "context": {"source": "title-page"},
    }
    if value in ("up", "down"):
        return {**event, "type": f"thumbs_{value}"}
    stars = float(value) if value.replace(".", "", 1).isdigit() else 0.0
    # An out-of-range value is left for the event schema to refuse with its own reason.
    return {**event, "type": "rate", "value": stars}


def _play_button(container: Container, profile: Profile, title: Title) -> PlayButton | None:
    """Resume the movie, or carry on with the series' episode in progress (or the next one)."""
    if not title.seasons:
        resume = container.playback.progress.resume_position(
            account_id=profile.account_id, profile_id=profile.id, title_id=title.id
        )
        return PlayButton(f"/watch/{title.id}", "Resume" if resume else "Play", resume)
    item = container.playback.progress.next_episode(
        account_id=profile.account_id, profile_id=profile.id, title_id=title.id
    )
    if item is None or item.episode is None:
        return None
    episode = item.episode
    resume = item.position_s if item.reason == "resume" and item.position_s > 0 else None
    label = f"{'Resume' if resume else 'Play'} S{episode.season_number}:E{episode.number}"
    return PlayButton(f"/watch/{title.id}?episode={episode.id}", label, resume)
