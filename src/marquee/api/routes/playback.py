"""Playback sessions: start one, send heartbeats, stop it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from marquee.api.deps import CurrentPrincipal, PlaybackDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.playback import (
    Heartbeat,
    HeartbeatPublic,
    PlaybackSessionPublic,
    PlaybackStart,
)

router = APIRouter(prefix="/playback", tags=["playback"])

SessionId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="From POST /playback")
]


def _problem(text: str) -> dict[str, object]:
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": text}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start playback: checks, a stream lease, and a signed per-session master playlist",
    responses={
        403: _problem("No subscription, above the profile's maturity, or not in this country"),
        409: _problem("Not yet playable, or every screen of the plan is in use"),
    },
)
def start_playback(
    body: PlaybackStart, principal: CurrentPrincipal, playback: PlaybackDep
) -> PlaybackSessionPublic:
    started = playback.start(
        account_id=principal.account_id,
        profile_id=body.profile_id,
        title_id=body.title_id,
        episode_id=body.episode_id,
        device=body.device,
    )
    return PlaybackSessionPublic.of(started)


@router.post(
    "/{session_id}/heartbeat",
    summary="Report position and quality every ~10 s; renews the stream lease",
    responses={409: _problem("The session has ended (stopped, or no heartbeat in time)")},
)
def heartbeat(
    session_id: SessionId, body: Heartbeat, principal: CurrentPrincipal, playback: PlaybackDep
) -> HeartbeatPublic:
    beaten = playback.heartbeat(
        account_id=principal.account_id, session_id=session_id, report=body.report()
    )
    return HeartbeatPublic.of(beaten)


@router.post("/{session_id}/stop", summary="End the session and free its screen")
def stop(
    session_id: SessionId,
    principal: CurrentPrincipal,
    playback: PlaybackDep,
    body: Heartbeat | None = None,
) -> HeartbeatPublic:
    beaten = playback.stop(
        account_id=principal.account_id,
        session_id=session_id,
        report=body.report() if body is not None else None,
    )
    return HeartbeatPublic.of(beaten)
