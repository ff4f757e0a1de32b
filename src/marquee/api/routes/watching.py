"""Continue Watching and next episode, read from a profile's watch progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from marquee.api.deps import CurrentPrincipal, ProgressDep
from marquee.api.schemas.accounts import ProfileId
from marquee.api.schemas.catalog import MAX_ID
from marquee.api.schemas.playback import NextEpisodePublic, WatchItemPublic, WatchItemsPublic

router = APIRouter(tags=["playback"])

TitleId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProfileQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="One of the caller's profiles.")]


@router.get(
    "/profiles/{profile_id}/continue-watching",
    summary="Titles in progress and next episodes, most recent first (finished ones left out)",
)
def continue_watching(
    profile_id: ProfileId, principal: CurrentPrincipal, progress: ProgressDep
) -> WatchItemsPublic:
    items = progress.continue_watching(account_id=principal.account_id, profile_id=profile_id)
    return WatchItemsPublic(data=[WatchItemPublic.of(i) for i in items], count=len(items))


@router.get(
    "/titles/{title_id}/next-episode",
    summary="The episode a profile carries on with: in progress, after the last finished, or first",
)
def next_episode(
    title_id: TitleId, profile_id: ProfileQuery, principal: CurrentPrincipal, progress: ProgressDep
) -> NextEpisodePublic:
    item = progress.next_episode(
        account_id=principal.account_id, profile_id=profile_id, title_id=title_id
    )
    return NextEpisodePublic(title_id=title_id, next=WatchItemPublic.of(item) if item else None)
