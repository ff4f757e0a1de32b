"""The player page: hls.js plays the title; our player script talks to the playback API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from marquee.services.playback_access import QualityCap
from marquee.web.deps import ContainerDep, EpisodeQuery, ProfileDep, RendererDep, TitleId, ViewerDep

router = APIRouter()


@router.get("/watch/{title_id}")
def watch(
    *,
    request: Request,
    title_id: TitleId,
    profile: ProfileDep,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    episode: EpisodeQuery = None,
) -> Response:
    title = container.catalog.get_title(title_id=title_id)
    episode_name = None
    if episode is not None:
        names = {e.id: e.name for s in title.seasons for e in s.episodes}
        episode_name = names.get(episode)
    following = (
        container.playback.progress.episode_after(title_id=title.id, episode_id=episode)
        if episode is not None
        else None
    )
    cap = container.playback.sessions.quality_cap(
        account_id=viewer.account_id, title_id=title.id, episode_id=episode
    )
    context = {
        "next_episode": following,
        "next_href": f"/watch/{title.id}?episode={following.id}" if following else None,
        "profile": profile,
        "title": title,
        "episode_id": episode,
        "episode_name": episode_name,
        "heartbeat_s": container.settings.playback.heartbeat_interval_s,
        "cap_note": _cap_note(cap) if cap else None,
    }
    return renderer.page(request, "watch.html", context)


def _cap_note(cap: QualityCap) -> str:
    return (
        f"Your {cap.plan_name} plan plays up to {cap.max_height}p; "
        f"this title is also available in {cap.best_height}p on a higher plan."
    )
