"""A profile's homepage: personalised rows with explanations."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from marquee.api.deps import CurrentPrincipal, HomeDep
from marquee.api.schemas.accounts import ProfileId
from marquee.api.schemas.home import HomePublic, home_json

router = APIRouter(tags=["recommendations"])


@router.get(
    "/profiles/{profile_id}/home",
    summary="The profile's homepage rows (another account's profile is not found)",
    response_model=HomePublic,
)
async def get_home(profile_id: ProfileId, principal: CurrentPrincipal, home: HomeDep) -> Response:
    account_id, session = principal.account_id, principal.session[:64] or "home"
    # A reused page is answered on the event loop; building one reads the database and the
    # online store, so it goes to a worker thread.
    page = home.reused_home(account_id=account_id, profile_id=profile_id, session_id=session)
    if page is None:
        page = await run_in_threadpool(
            home.home, account_id=account_id, profile_id=profile_id, session_id=session
        )
    # Serialised here from cached card dicts (``home_json``): FastAPI would otherwise build and
    # validate a model per card on every request, which cost as much as building the page.
    return Response(home_json(page), media_type="application/json")
