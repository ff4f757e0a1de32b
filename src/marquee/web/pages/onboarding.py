"""Onboarding: a new profile picks three or more titles it likes and lands on personal rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from marquee.bootstrap import Container
from marquee.errors import ApiError
from marquee.storage.db.tables import Profile
from marquee.web import mylist
from marquee.web.deps import ContainerDep, ProfileDep, RendererDep
from marquee.web.render import redirect
from marquee.web.session import check_csrf
from marquee.web.tiles import Tile

router = APIRouter()
CHOICES = 24


@router.get("/onboarding")
def onboarding_page(
    request: Request, profile: ProfileDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    context = {"profile": profile, "choices": choices(container, profile), "picked": set()}
    return renderer.page(request, "onboarding.html", context)


@router.post("/onboarding")
def save(
    *,
    request: Request,
    profile: ProfileDep,
    container: ContainerDep,
    renderer: RendererDep,
    title_id: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    picked = list(dict.fromkeys(title_id))
    error = None
    if len(picked) < mylist.MIN_PICKS:
        error = f"Pick at least {mylist.MIN_PICKS} titles ({len(picked)} picked so far)."
    elif len(picked) > mylist.MAX_PICKS:
        error = f"Pick at most {mylist.MAX_PICKS} titles."
    try:
        check_csrf(request, csrf_token)
        if error is None:
            mylist.save_picks(container, profile, picked)
            return redirect(request, "/home")
    except ApiError as exc:
        error = exc.detail
    context = {
        "profile": profile,
        "choices": choices(container, profile),
        "picked": set(picked),
        "error": error,
    }
    return renderer.page(request, "onboarding.html", context, status_code=422)


def has_enough_choices(container: Container, profile: Profile) -> bool:
    return len(choices(container, profile)) >= mylist.MIN_PICKS


def choices(container: Container, profile: Profile) -> list[Tile]:
    """A diverse popular set the profile may watch (the onboarding service's: the most popular
    titles, one genre at a time, so a few picks already say a lot about taste)."""
    viewer = container.home.viewer(account_id=profile.account_id, profile_id=profile.id)
    return [
        Tile(c.id, c.name, str(c.year or ""), kind=c.kind)
        for c in container.onboarding.choices(viewer, limit=CHOICES)
    ]
