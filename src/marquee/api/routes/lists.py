"""My List of one of the caller's profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from marquee.api.deps import CurrentPrincipal, ListsDep
from marquee.api.schemas.accounts import ProfileId
from marquee.api.schemas.catalog import MAX_ID
from marquee.api.schemas.lists import MyListPublic

router = APIRouter(prefix="/profiles/{profile_id}/list", tags=["my list"])

TitleId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", summary="The profile's saved titles, most recent first")
def get_list(profile_id: ProfileId, principal: CurrentPrincipal, lists: ListsDep) -> MyListPublic:
    viewer = lists.viewer(account_id=principal.account_id, profile_id=profile_id)
    return MyListPublic.of(lists.cards(viewer))


@router.put(
    "/{title_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Save a title (idempotent)"
)
def add_to_list(
    profile_id: ProfileId, title_id: TitleId, principal: CurrentPrincipal, lists: ListsDep
) -> None:
    viewer = lists.viewer(account_id=principal.account_id, profile_id=profile_id)
    lists.add(viewer, title_id=title_id)


@router.delete(
    "/{title_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Unsave a title (idempotent)"
)
def remove_from_list(
    profile_id: ProfileId, title_id: TitleId, principal: CurrentPrincipal, lists: ListsDep
) -> None:
    viewer = lists.viewer(account_id=principal.account_id, profile_id=profile_id)
    lists.remove(viewer, title_id=title_id)
