"""A profile's homepage: personalised rows with explanations."""

from __future__ import annotations

from fastapi import APIRouter, Response

from marquee.api.deps import CurrentPrincipal, HomeDep
from marquee.api.schemas.accounts import ProfileId
from marquee.api.schemas.home import HomePublic, home_json

router = APIRouter(tags=["recommendations"])


@router.get(
    "/profiles/{profile_id}/home",
    summary="The profile's homepage rows (another account's profile is not found)",
    response_model=HomePublic,
)
def get_home(profile_id: ProfileId, principal: CurrentPrincipal, home: HomeDep) -> Response:
    session = principal.session[:64] or "home"
    page = home.home(account_id=principal.account_id, profile_id=profile_id, session_id=session)
    # Serialised here from cached card dicts (``home_json``): FastAPI would otherwise build and
    # validate a model per card on every request, which cost as much as building the page.
    return Response(home_json(page), media_type="application/json")
