"""RFC 9457 problem+json: every error answer has this shape."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marquee.errors import FieldProblem
from marquee.logs import request_id_var

MEDIA_TYPE = "application/problem+json"


class ProblemField(BaseModel):
    field: str = Field(examples=["body.email"])
    reason: str = Field(examples=["already registered"])


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    type: str = Field(examples=["/problems/invalid-input"])
    title: str = Field(examples=["The request is not valid"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["body.email: already registered"])
    instance: str | None = Field(default=None, examples=["/v1/auth/signup"])
    request_id: str | None = None
    errors: list[ProblemField] = Field(default_factory=list)


def problem_response(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str | None = None,
    problems: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id_var.get(),
        "errors": [{"field": p.field, "reason": p.reason} for p in problems or []],
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# Declared on every route so the OpenAPI document shows the error shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": text}
    for code, text in {
        400: "Malformed request",
        401: "Missing, invalid, expired or revoked token",
        403: "Not allowed",
        404: "Not found",
        422: "Invalid input (each field and reason listed in `errors`)",
    }.items()
}


def internal_error(instance: str) -> JSONResponse:
    """A 500 that says nothing of the internals; the request id points to the logged error."""
    return problem_response(
        status=500,
        slug="internal",
        title="Internal error",
        detail="something went wrong on our side; the request id identifies it in our logs",
        instance=instance,
    )
