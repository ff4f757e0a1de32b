"""The home page (hero and personal rows), My List, and adding to or removing from it in place."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from marquee.errors import ApiError
from marquee.web import mylist, personal
from marquee.web.deps import ContainerDep, ProfileDep, RendererDep, TitleId
from marquee.web.pages import onboarding
from marquee.web.render import redirect
from marquee.web.session import check_csrf

router = APIRouter()
FormText = Annotated[str, Form()]


@router.get("/home")
def home_page(
    request: Request, profile: ProfileDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    if mylist.needs_onboarding(container, profile) and onboarding.has_enough_choices(
        container, profile
    ):
        return redirect(request, "/onboarding")
    page = personal.home(container, profile)
    context = {
        "profile": profile,
        "home": page,
        "saved": mylist.saved_ids(container, profile),
        "entitled": container.billing.entitlements(profile.account_id) is not None,
    }
    return renderer.page(request, "home.html", context)


@router.get("/my-list")
def my_list_page(
    request: Request, profile: ProfileDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    tiles = mylist.tiles(container, profile)
    context = {"profile": profile, "tiles": tiles, "saved": {t.title_id for t in tiles}}
    return renderer.page(request, "my_list.html", context)


@router.post("/my-list/{title_id}")
def toggle(
    *,
    request: Request,
    title_id: TitleId,
    profile: ProfileDep,
    container: ContainerDep,
    renderer: RendererDep,
    action: FormText = "add",
    csrf_token: FormText = "",
    compact: FormText = "",
) -> Response:
    """Add (``action=add``) or remove; htmx swaps the button, a plain form returns to the page."""
    check_csrf(request, csrf_token)
    error = None
    try:
        saved = mylist.set_saved(container, profile, title_id=title_id, saved=action == "add")
    except ApiError as exc:
        if request.headers.get("hx-request") != "true":
            raise
        saved, error = action != "add", exc.detail
    if request.headers.get("hx-request") != "true":
        back = request.headers.get("referer", "")
        return redirect(request, back if back.startswith(str(request.base_url)) else "/my-list")
    context = {"title_id": title_id, "is_saved": saved, "compact": bool(compact), "error": error}
    return renderer.page(request, "_mylist_button.html", context)
