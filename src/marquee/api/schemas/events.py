"""Bodies of ``POST /v1/events``: an envelope batch or the web clickstream shape, and the answer."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field, ValidationError

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.domain.events import EXAMPLE_PLAY_START, clickstream_to_envelopes, is_clickstream
from marquee.services.events import IngestResult


class EventBatch(RequestModel):
    """Envelopes (schema version 1). Each is validated on its own, so the list takes any item."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [EXAMPLE_PLAY_START]}]})

    events: list[Any] = Field(description="Envelopes; see the Event schema. At most 500.")

    def envelopes(self) -> list[Any]:
        return self.events


class ClickstreamBatch(RequestModel):
    """The web clients' shape; mapped onto envelopes (see ``clickstream_to_envelopes``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "userId": 12,
                    "sessionId": "web-8c1b",
                    "events": [
                        {
                            "eventType": "click",
                            "page": "/browse",
                            "timeSpentSeconds": 12,
                            "timestamp": "2026-01-01T20:15:00Z",
                        }
                    ],
                }
            ]
        }
    )

    user_id: int | str = Field(alias="userId", description="The profile id.")
    session_id: str = Field(alias="sessionId", min_length=1, max_length=64)
    events: list[Any] = Field(description="Clickstream events. At most 500.")

    def envelopes(self) -> list[Any]:
        return clickstream_to_envelopes(self.model_dump(by_alias=True))


def envelopes_of(body: bytes) -> list[Any]:
    """The raw envelopes of a ``POST /v1/events`` body, either shape; the events themselves are
    validated later, each on its own. Raises ``RequestValidationError`` (400 or 422 problem)."""
    # orjson and one shape check instead of FastAPI's body model: the stdlib parse and the
    # union validation were a large part of the request's time.
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {exc}"}]
        ) from exc
    shape = ClickstreamBatch if is_clickstream(data) else EventBatch
    try:
        batch = shape.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc
    return batch.envelopes()


# The request body as OpenAPI documents it (the route reads the raw body itself).
BATCH_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [EventBatch.model_json_schema(), ClickstreamBatch.model_json_schema()],
                "title": "Body",
            }
        }
    },
}


class EventError(PublicModel):
    index: int = Field(description="Position of the event in the batch.")
    field: str = Field(description="The field within the event, e.g. ``client_time``.")
    reason: str


class EventsAccepted(PublicModel):
    accepted: list[str] = Field(description="Ids of the events that are now durable.")
    errors: list[EventError]

    @classmethod
    def of(cls, result: IngestResult) -> EventsAccepted:
        errors = [EventError(index=e.index, field=e.field, reason=e.reason) for e in result.errors]
        return cls(accepted=result.accepted, errors=errors)
