"""More Like This, personalised for one of the caller's profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from marquee.api.deps import CurrentPrincipal, SimilarDep
from marquee.api.schemas.catalog import MAX_ID
from marquee.api.schemas.home import SimilarPublic

router = APIRouter(tags=["recommendations"])

TitleId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProfileQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="One of the caller's profiles.")]
SimilarLimit = Annotated[int, Query(ge=1, le=50, description="How many titles.")]


@router.get(
    "/titles/{title_id}/similar",
    summary="Titles like this one the profile may watch, ordered by its taste",
)
def get_similar(
    title_id: TitleId,
    profile_id: ProfileQuery,
    principal: CurrentPrincipal,
    similar: SimilarDep,
    limit: SimilarLimit = 20,
) -> SimilarPublic:
    items = similar.similar(
        account_id=principal.account_id, profile_id=profile_id, title_id=title_id, limit=limit
    )
    return SimilarPublic.of(title_id, items)
