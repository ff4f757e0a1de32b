"""Behaviour events from clients: a batch in, accepted ids and per-event errors out."""

from __future__ import annotations

from fastapi import APIRouter

from marquee.api.deps import CurrentPrincipal, EventsDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.events import ClickstreamBatch, EventBatch, EventsAccepted

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    summary="Send a batch of events (at most 500); valid ones are stored even if others fail",
    responses={
        413: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "Over 500 events"},
        503: {
            "model": Problem,
            "content": {MEDIA_TYPE: {}},
            "description": "The event log is unavailable; retry after Retry-After seconds",
        },
    },
)
def ingest_events(
    body: EventBatch | ClickstreamBatch, principal: CurrentPrincipal, events: EventsDep
) -> EventsAccepted:
    result = events.ingest(body.envelopes(), account_id=principal.account_id)
    return EventsAccepted.of(result)
