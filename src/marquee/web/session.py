"""Browser sessions: the API's access and refresh tokens kept in HttpOnly cookies, plus CSRF.

A page request is authenticated by the access-token cookie; when that has expired, the refresh
cookie is spent for a new pair (rotated exactly as ``POST /v1/auth/refresh`` does) and the new
cookies go out with the page. State-changing requests must carry the CSRF token: a random value
signed with the secret key, sent both as the ``mq_csrf`` cookie and as a form field or the
``X-CSRF-Token`` header (signed double submit), and a cross-site ``Origin`` is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request, Response

from marquee.bootstrap import Container
from marquee.errors import ApiError, Forbidden, Unauthenticated
from marquee.services.auth import TokenPair
from marquee.services.tokens import Principal

ACCESS_COOKIE = "mq_access"
REFRESH_COOKIE = "mq_refresh"
CSRF_COOKIE = "mq_csrf"
PROFILE_COOKIE = "mq_profile"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
R = TypeVar("R", bound=Response)


class LoginRequired(Exception):
    """The page needs a logged-in browser; answered with a redirect to the login page."""


@dataclass(frozen=True)
class Viewer:
    """The logged-in account behind a page request."""

    principal: Principal

    @property
    def account_id(self) -> int:
        return self.principal.account_id


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


# --- CSRF -------------------------------------------------------------------------------------


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def csrf_token_is_genuine(secret: str, token: str) -> bool:
    """True for a token this server minted (so a cookie planted by a sibling domain fails)."""
    nonce, _, signature = token.partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _sign(secret, nonce))


def csrf_token(request: Request) -> str:
    """The browser's CSRF token, minted (and sent as a cookie by ``apply_cookies``) if absent."""
    pending: str | None = getattr(request.state, "new_csrf", None)
    if pending is not None:
        return pending
    secret = container_of(request).settings.secret_key.get_secret_value()
    token = request.cookies.get(CSRF_COOKIE, "")
    if csrf_token_is_genuine(secret, token):
        return token
    request.state.new_csrf = new_csrf_token(secret)
    return str(request.state.new_csrf)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing browser request that is cross-site or lacks the CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != _own_origin(request):
        raise Forbidden("this form was sent from another site")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("this form was sent from another site")
    secret = container_of(request).settings.secret_key.get_secret_value()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    submitted = submitted or request.headers.get(CSRF_HEADER, "")
    genuine = csrf_token_is_genuine(secret, cookie)
    if not (genuine and hmac.compare_digest(cookie, submitted)):
        raise Forbidden("the form has expired; reload the page and try again")


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


# --- cookies ---------------------------------------------------------------------------------


def cookies_are_secure(request: Request) -> bool:
    """Secure cookies everywhere except a development server on a loopback address."""
    host = request.url.hostname or ""
    if container_of(request).settings.mode == "dev":
        return False
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def remember_tokens(request: Request, pair: TokenPair) -> None:
    """Send ``pair`` as cookies with the response this request produces."""
    request.state.new_tokens = pair


def forget_tokens(request: Request) -> None:
    """Clear the session cookies with the response this request produces."""
    request.state.clear_session = True


def remember_profile(request: Request, *, account_id: int, profile_id: int) -> None:
    """Choose the profile for this browser; signed, so a PIN-locked one cannot be forged in."""
    secret = container_of(request).settings.secret_key.get_secret_value()
    request.state.new_profile = (
        f"{profile_id}.{_sign(secret, f'profile:{account_id}:{profile_id}')}"
    )


def apply_cookies(request: Request, response: R) -> R:
    """Write whatever the handling of ``request`` decided about cookies onto ``response``."""
    auth = container_of(request).settings.auth
    secure = cookies_are_secure(request)

    def keep(name: str, value: str, max_age: int | None, *, httponly: bool = True) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=secure, httponly=httponly, samesite="lax"
        )

    pair: TokenPair | None = getattr(request.state, "new_tokens", None)
    if getattr(request.state, "clear_session", False):
        for name in (ACCESS_COOKIE, REFRESH_COOKIE, PROFILE_COOKIE):
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
    elif pair is not None:
        keep(ACCESS_COOKIE, pair.access_token, pair.expires_in)
        keep(REFRESH_COOKIE, pair.refresh_token, auth.refresh_token_ttl_s)
    profile: str | None = getattr(request.state, "new_profile", None)
    if profile is not None:
        keep(PROFILE_COOKIE, profile, auth.refresh_token_ttl_s)
    csrf: str | None = getattr(request.state, "new_csrf", None)
    if csrf is not None:
        # Readable by our scripts on purpose: they echo it in the X-CSRF-Token header.
        keep(CSRF_COOKIE, csrf, None, httponly=False)
    return response


# --- who is asking ---------------------------------------------------------------------------


def current_viewer(request: Request) -> Viewer:
    """The logged-in account; refreshes an expired access token; else ``LoginRequired``."""
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    container = container_of(request)
    access = request.cookies.get(ACCESS_COOKIE)
    viewer: Viewer | None = None
    if access:
        try:
            viewer = Viewer(container.tokens.verify(access))
        except Unauthenticated:
            viewer = None
    if viewer is None:
        viewer = _refreshed(request)
    request.state.viewer = viewer
    return viewer


def _refreshed(request: Request) -> Viewer:
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh:
        raise LoginRequired
    container = container_of(request)
    try:
        pair = container.accounts.refresh(refresh_token=refresh)
    except ApiError:
        forget_tokens(request)
        raise LoginRequired from None
    remember_tokens(request, pair)
    return Viewer(container.tokens.verify(pair.access_token))


def optional_viewer(request: Request) -> Viewer | None:
    try:
        return current_viewer(request)
    except LoginRequired:
        return None


def selected_profile_id(request: Request, *, account_id: int) -> int | None:
    """The profile chosen in this browser for ``account_id``, if the cookie is genuine."""
    raw, _, signature = request.cookies.get(PROFILE_COOKIE, "").partition(".")
    if not (raw.isdigit() and len(raw) < 19):
        return None
    secret = container_of(request).settings.secret_key.get_secret_value()
    expected = _sign(secret, f"profile:{account_id}:{raw}")
    return int(raw) if hmac.compare_digest(signature, expected) else None


def principal_from_cookies(request: Request) -> Principal | None:
    """For the JSON API: the browser session's principal, if the request proves same-origin.

    Our own scripts call ``/v1`` with the session cookie; they must echo the CSRF token in the
    ``X-CSRF-Token`` header, which another site cannot read or set. Without a session cookie
    this answers None and the API asks for a bearer token as usual.
    """
    access = request.cookies.get(ACCESS_COOKIE)
    if not access:
        return None
    secret = container_of(request).settings.secret_key.get_secret_value()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not (csrf_token_is_genuine(secret, cookie) and hmac.compare_digest(cookie, header)):
        return None
    return container_of(request).tokens.verify(access)
