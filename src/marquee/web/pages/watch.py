"""The player page: hls.js plays the title; our player script talks to the playback API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from marquee.bootstrap import Container
from marquee.web import listings
from marquee.web.deps import ContainerDep, ProfileDep, RendererDep, ViewerDep
from marquee.web.session import Viewer

router = APIRouter()


@router.get("/watch/{title_id}")
def watch(
    *,
    request: Request,
    title_id: int,
    profile: ProfileDep,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    episode: int | None = None,
) -> Response:
    title = container.catalog.get_title(title_id=title_id)
    episode_name = None
    if episode is not None:
        names = {e.id: e.name for s in title.seasons for e in s.episodes}
        episode_name = names.get(episode)
    following = (
        listings.next_episode(container.db, title_id=title.id, episode_id=episode)
        if episode is not None
        else None
    )
    context = {
        "next_episode": following,
        "next_href": f"/watch/{title.id}?episode={following.id}" if following else None,
        "profile": profile,
        "title": title,
        "episode_id": episode,
        "episode_name": episode_name,
        "heartbeat_s": container.settings.playback.heartbeat_interval_s,
        "cap_note": _cap_note(container, viewer, title_id=title.id, episode_id=episode),
    }
    return renderer.page(request, "watch.html", context)


def _cap_note(
    container: Container, viewer: Viewer, *, title_id: int, episode_id: int | None
) -> str | None:
    """A sentence when the plan keeps this title below its best quality, else None."""
    entitled = container.billing.entitlements(viewer.account_id)
    rungs = listings.ladder_rungs(container.db, title_id=title_id, episode_id=episode_id)
    if entitled is None or not rungs or rungs[-1] <= entitled.max_resolution:
        return None
    names = {plan.code: plan.name for plan in container.plans.list_plans(include_inactive=True)}
    plan = names.get(entitled.plan, entitled.plan)
    return (
        f"Your {plan} plan plays up to {entitled.max_resolution}p; "
        f"this title is also available in {rungs[-1]}p on a higher plan."
    )
