"""The exception tree. Each API-facing error maps to one problem+json status and type."""

from __future__ import annotations

from dataclasses import dataclass


class MarqueeError(Exception):
    """Base of every error Marquee raises on purpose."""


class ConfigError(MarqueeError):
    """The settings are invalid; the message names the key."""


@dataclass(frozen=True)
class FieldProblem:
    """One invalid input: where it is (``body.email``) and why."""

    field: str
    reason: str


class ApiError(MarqueeError):
    """An error a client caused or can act on; rendered as RFC 9457 problem+json."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class InvalidInput(ApiError):
    status, slug, title = 422, "invalid-input", "The request is not valid"

    @classmethod
    def on(cls, field_name: str, reason: str) -> InvalidInput:
        """An error about one field: ``InvalidInput.on("body.email", "taken")``."""
        return cls(f"{field_name}: {reason}", problems=[FieldProblem(field_name, reason)])


class Unauthenticated(ApiError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class Forbidden(ApiError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ApiError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ApiError):
    status, slug, title = 409, "conflict", "Conflict"


class PaymentFailed(ApiError):
    status, slug, title = 402, "payment-failed", "The payment did not go through"


class PayloadTooLarge(ApiError):
    status, slug, title = 413, "payload-too-large", "The request body is too large"


class RateLimited(ApiError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class Unavailable(ApiError):
    status, slug, title = 503, "unavailable", "A backend is unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 5) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
