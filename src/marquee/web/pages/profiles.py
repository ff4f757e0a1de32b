"""The profile picker ("Who's watching?") and choosing a profile, PIN-locked ones included."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response

from marquee.errors import ApiError
from marquee.web.deps import ContainerDep, ProfileIdPath, RendererDep, ViewerDep
from marquee.web.render import local_path, redirect
from marquee.web.session import check_csrf, remember_profile

router = APIRouter()
AFTER_CHOOSING = "/home"
FormText = Annotated[str, Form()]


@router.get("/profiles")
def picker(
    *,
    request: Request,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    next: str = "",
) -> Response:
    profiles = container.accounts.list_profiles(account_id=viewer.account_id)
    context = {"profiles": profiles, "next": local_path(next, AFTER_CHOOSING)}
    return renderer.page(request, "profiles.html", context)


@router.get("/profiles/{profile_id}/pin")
def pin_page(
    *,
    request: Request,
    profile_id: ProfileIdPath,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    next: str = "",
) -> Response:
    profile = container.accounts.get_profile(account_id=viewer.account_id, profile_id=profile_id)
    context = {"profile": profile, "next": local_path(next, AFTER_CHOOSING)}
    return renderer.page(request, "profile_pin.html", context)


@router.post("/profiles/{profile_id}/select")
def choose(
    *,
    request: Request,
    profile_id: ProfileIdPath,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    pin: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    """Remember the profile in this browser; a locked one needs its PIN first."""
    check_csrf(request, csrf_token)
    accounts = container.accounts
    target = local_path(next, AFTER_CHOOSING)
    profile = accounts.get_profile(account_id=viewer.account_id, profile_id=profile_id)
    if profile.pin_hash is not None:
        if not pin:
            return redirect(request, f"/profiles/{profile.id}/pin?next={quote(target, safe='/')}")
        try:
            accounts.verify_pin(account_id=viewer.account_id, profile_id=profile.id, pin=pin)
        except ApiError as exc:
            context = {"profile": profile, "error": exc.detail, "next": target}
            return renderer.page(request, "profile_pin.html", context, status_code=exc.status)
    remember_profile(request, account_id=viewer.account_id, profile_id=profile.id)
    return redirect(request, target)
