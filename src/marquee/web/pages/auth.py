"""Log in, sign up, log out, and the token refresh our scripts call when a token expires."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse

from marquee.errors import ApiError, InvalidInput, Unauthenticated
from marquee.web.deps import ContainerDep, RendererDep
from marquee.web.render import local_path, redirect
from marquee.web.session import (
    REFRESH_COOKIE,
    apply_cookies,
    check_csrf,
    forget_tokens,
    optional_viewer,
    remember_tokens,
)

router = APIRouter()
AFTER_LOGIN = "/profiles"
AFTER_SIGNUP = "/plans"  # a new account chooses its plan first, then its profile
FormText = Annotated[str, Form()]


@router.get("/")
def home(request: Request) -> Response:
    return redirect(request, "/home" if optional_viewer(request) else "/login")


@router.get("/login")
def login_page(request: Request, renderer: RendererDep, next: str = "") -> Response:
    target = local_path(next, AFTER_LOGIN)
    if optional_viewer(request) is not None:
        return redirect(request, target)
    return renderer.page(request, "login.html", {"next": target})


@router.post("/login")
def login(
    *,
    request: Request,
    container: ContainerDep,
    renderer: RendererDep,
    email: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    target = local_path(next, AFTER_LOGIN)
    client = request.client.host if request.client else "unknown"
    try:
        check_csrf(request, csrf_token)
        pair = container.accounts.login(email=email, password=password, client=client)
    except ApiError as exc:
        context = {"next": target, "email": email, "error": exc.detail}
        return renderer.page(request, "login.html", context, status_code=exc.status)
    remember_tokens(request, pair)
    return redirect(request, target)


@router.get("/signup")
def signup_page(request: Request, renderer: RendererDep) -> Response:
    return renderer.page(request, "signup.html")


@router.post("/signup")
def signup(
    *,
    request: Request,
    container: ContainerDep,
    renderer: RendererDep,
    email: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    try:
        check_csrf(request, csrf_token)
        created = container.accounts.signup(email=email, password=password)
    except ApiError as exc:
        errors = _field_errors(exc)
        context = {"email": email, "errors": errors, "error": None if errors else exc.detail}
        return renderer.page(request, "signup.html", context, status_code=exc.status)
    remember_tokens(request, created.tokens)
    return redirect(request, AFTER_SIGNUP)


def _field_errors(exc: ApiError) -> dict[str, str]:
    """``body.email: is taken`` becomes ``{"email": "is taken"}`` for the inline messages."""
    if not isinstance(exc, InvalidInput):
        if "e-mail" in exc.detail or "email" in exc.detail:
            return {"email": exc.detail}
        return {}
    return {p.field.removeprefix("body."): p.reason for p in exc.problems}


@router.post("/logout")
def logout(request: Request, container: ContainerDep, csrf_token: FormText = "") -> Response:
    """End the login: the refresh family is revoked, so its access tokens die with it."""
    check_csrf(request, csrf_token)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        # Already expired or revoked: the cookies go either way.
        with suppress(ApiError):
            container.accounts.logout(refresh_token=refresh)
    forget_tokens(request)
    return redirect(request, "/login")


@router.post("/session/refresh", status_code=204)
def refresh(request: Request, container: ContainerDep) -> Response:
    """Rotate the session's tokens for a script whose access token expired mid-page."""
    check_csrf(request, None)
    try:
        pair = container.accounts.refresh(refresh_token=request.cookies.get(REFRESH_COOKIE, ""))
    except ApiError as exc:
        forget_tokens(request)
        gone = Unauthenticated(f"log in again ({exc.detail})")
        body = {"type": f"/problems/{gone.slug}", "title": gone.title, "status": gone.status}
        problem = JSONResponse(
            {**body, "detail": gone.detail}, status_code=401, media_type="application/problem+json"
        )
        return apply_cookies(request, problem)
    remember_tokens(request, pair)
    return apply_cookies(request, Response(status_code=204))
