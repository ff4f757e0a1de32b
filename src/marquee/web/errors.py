"""What a browser sees when a page fails: a login redirect, the profile picker, or an HTML
error page instead of the API's problem+json (which scripts and API clients still get)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from marquee.errors import ApiError
from marquee.web.deps import ProfileRequired, get_renderer
from marquee.web.render import redirect
from marquee.web.session import LoginRequired

Handler = Callable[[Request, Exception], Awaitable[Response]]

_FRIENDLY = {
    401: "Please log in again.",
    403: "You are not allowed to see this page.",
    404: "We could not find that page.",
    405: "That is not something this page can do.",
    429: "That was a lot of attempts. Please wait a little and try again.",
    503: "Something we depend on is not answering. Please try again in a moment.",
}


def is_page_request(request: Request) -> bool:
    """A browser navigation (wants HTML), not an API or script call."""
    if request.url.path.startswith(("/v1/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _here(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return quote(target, safe="/")


async def on_login_required(request: Request, exc: Exception) -> Response:
    return redirect(request, f"/login?next={_here(request)}")


async def on_profile_required(request: Request, exc: Exception) -> Response:
    return redirect(request, f"/profiles?next={_here(request)}")


def _html_or(fallback: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            return await fallback(request, exc)
        if isinstance(exc, ApiError):
            status, detail = exc.status, exc.detail
        elif isinstance(exc, HTTPException):
            status, detail = exc.status_code, _FRIENDLY.get(exc.status_code, "")
        else:
            # A malformed address (``/title/abc``): to a visitor that page does not exist.
            status, detail = 404, ""
        message = _FRIENDLY.get(status, "Something went wrong with that request.")
        context = {"status": status, "message": message, "detail": detail}
        return get_renderer(request).page(request, "error.html", context, status_code=status)

    return handle


def install_page_errors(app: FastAPI) -> None:
    """Add the page handlers; API errors keep their problem+json for non-browser callers."""
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(ProfileRequired, on_profile_required)
    for kind in (ApiError, HTTPException, RequestValidationError):
        fallback = cast(Handler, app.exception_handlers[kind])
        app.add_exception_handler(kind, _html_or(fallback))
