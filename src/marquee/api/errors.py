"""Map every exception to a problem+json answer; a 5xx is logged as a bug."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from marquee.api.problems import problem_response
from marquee.errors import ApiError, FieldProblem, RateLimited, Unavailable


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {}
    if isinstance(exc, RateLimited | Unavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        problems=exc.problems,
        headers=headers,
    )


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(
            status=400,
            slug="malformed-json",
            title="The body is not valid JSON",
            detail="the request body could not be parsed as JSON",
            instance=request.url.path,
            problems=[FieldProblem("body", str(e.get("msg"))) for e in errors],
        )
    problems = [FieldProblem(_field_name(tuple(e["loc"])), str(e["msg"])) for e in errors]
    return problem_response(
        status=422,
        slug="invalid-input",
        title="The request is not valid",
        detail="; ".join(f"{p.field}: {p.reason}" for p in problems),
        instance=request.url.path,
        problems=problems,
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(
        exc.status_code, "http-error"
    )
    return problem_response(
        status=exc.status_code,
        slug=slug,
        title=detail,
        detail=detail,
        instance=request.url.path,
        headers=dict(exc.headers or {}),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
