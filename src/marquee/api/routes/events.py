"""Behaviour events from clients: a batch in, accepted ids and per-event errors out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from marquee.api.deps import CurrentPrincipal, EventsDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.events import BATCH_REQUEST_BODY, EventsAccepted, envelopes_of

router = APIRouter(prefix="/events", tags=["events"])


async def _raw_body(request: Request) -> bytes:
    return await request.body()


# The raw bytes, read on the event loop; parsing happens in the handler's thread.
RawBody = Annotated[bytes, Depends(_raw_body)]


@router.post(
    "",
    summary="Send a batch of events (at most 500); valid ones are stored even if others fail",
    response_model=EventsAccepted,
    openapi_extra={"requestBody": BATCH_REQUEST_BODY},
    responses={
        413: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "Over 500 events"},
        503: {
            "model": Problem,
            "content": {MEDIA_TYPE: {}},
            "description": "The event log is unavailable; retry after Retry-After seconds",
        },
    },
)
def ingest_events(body: RawBody, principal: CurrentPrincipal, events: EventsDep) -> Response:
    result = events.ingest(envelopes_of(body), account_id=principal.account_id)
    # Serialised once by pydantic-core; returning the model would validate it again.
    answer = EventsAccepted.of(result).model_dump_json().encode()
    return Response(answer, media_type="application/json")
