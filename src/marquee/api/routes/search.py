"""Search and autocomplete over the catalog, personalised for a profile when one is named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from marquee.api.deps import CurrentPrincipal, OptionalPrincipal, SearchDep
from marquee.api.schemas.search import (
    SearchClick,
    SearchQuery,
    SearchResultsPublic,
    SuggestionsPublic,
    SuggestQuery,
)
from marquee.errors import Unauthenticated
from marquee.services.search import SearchService
from marquee.services.tokens import Principal
from marquee.services.viewers import Viewer

router = APIRouter(prefix="/search", tags=["search"])


def _viewer(
    search: SearchService, principal: Principal | None, profile_id: int | None
) -> Viewer | None:
    if profile_id is None:
        return None
    if principal is None:
        raise Unauthenticated("send an access token to search as a profile")
    return search.viewer(account_id=principal.account_id, profile_id=profile_id)


@router.get("", summary="Search titles, people, genres and tags (typos tolerated)")
def search_titles(
    query: Annotated[SearchQuery, Query()], principal: OptionalPrincipal, search: SearchDep
) -> SearchResultsPublic:
    """With ``profile_id`` (and a token) results respect the profile's maturity and country
    and are ordered by its taste; the search is logged as an event."""
    viewer = _viewer(search, principal, query.profile_id)
    page = search.search(
        q=query.q,
        filters=query.filters(),
        viewer=viewer,
        limit=query.limit,
        offset=query.offset,
        session_id=query.session_id,
    )
    return SearchResultsPublic.of(page)


@router.get("/suggest", summary="Autocomplete: titles, people and genres starting with q")
def suggest(
    query: Annotated[SuggestQuery, Query()], principal: OptionalPrincipal, search: SearchDep
) -> SuggestionsPublic:
    viewer = _viewer(search, principal, query.profile_id)
    return SuggestionsPublic.of(search.suggest(q=query.q, viewer=viewer, limit=query.limit))


@router.post("/clicks", status_code=status.HTTP_204_NO_CONTENT, summary="Report a result opened")
def record_click(body: SearchClick, principal: CurrentPrincipal, search: SearchDep) -> None:
    viewer = search.viewer(account_id=principal.account_id, profile_id=body.profile_id)
    search.record_click(
        viewer=viewer,
        query=body.query,
        title_id=body.title_id,
        position=body.position,
        session_id=body.session_id,
    )
