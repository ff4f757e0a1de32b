"""The versioned event envelope clients and producers send, its validation rules, and the
mapping of the web clickstream batch shape onto it. Pure: no I/O, time is passed in."""

from __future__ import annotations

import json
import math
import numbers
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from marquee.errors import FieldProblem

SCHEMA_VERSION: Literal[1] = 1
MAX_BATCH = 500
MAX_CONTEXT_BYTES = 4096
MAX_FUTURE = timedelta(hours=24)
MAX_PAST = timedelta(days=365)
# A fixed namespace, so a resent clickstream batch maps to the same event ids and deduplicates.
_CLICKSTREAM_NS = uuid.UUID("6f1c9a52-3d0e-4c55-9b7e-2a4d1e8f0c11")
# Validation-context key: the receive time the server stamps into ``server_time``.
_RECEIVED_AT = "received_at"

EventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", examples=["0b6f..."])]
ShortText = Annotated[str, Field(min_length=1, max_length=64)]


# One documented example, shared by the envelope and the API's batch schema.
EXAMPLE_PLAY_START: dict[str, Any] = {
    "schema_version": 1,
    "event_id": "3f2b9c1e-6a1d-4e59-8c1b-7d7e0f7f4a10",
    "type": "play_start",
    "profile_id": 12,
    "session_id": "s-8c1b7d7e",
    "item": {"title_id": 42},
    "position_s": 0,
    "device": "tv",
    "country": "US",
    "client_time": "2026-01-01T20:15:00Z",
}


class EventType(StrEnum):
    IMPRESSION = "impression"
    PLAY_START = "play_start"
    HEARTBEAT = "heartbeat"
    PAUSE = "pause"
    RESUME = "resume"
    SEEK = "seek"
    COMPLETE = "complete"
    STOP = "stop"
    SKIP = "skip"
    THUMBS_UP = "thumbs_up"
    THUMBS_DOWN = "thumbs_down"
    RATE = "rate"
    ADD_TO_LIST = "add_to_list"
    REMOVE_FROM_LIST = "remove_from_list"
    SEARCH = "search"
    CLICK = "click"


# Types that are about one title: they must name it.
_ITEM_TYPES = frozenset(EventType) - {EventType.SEARCH, EventType.CLICK}
# Per-type payload fields that must be present: type → field names.
_REQUIRED: dict[EventType, tuple[str, ...]] = {
    EventType.IMPRESSION: ("row", "position"),
    EventType.RATE: ("value",),
    EventType.SEARCH: ("query",),
    EventType.SEEK: ("from_s", "to_s"),
}


class ItemRef(BaseModel):
    """The title an event is about, and the episode for series."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title_id: int = Field(ge=1)
    episode_id: int | None = Field(default=None, ge=1)


class Event(BaseModel):
    """One envelope, schema version 1. ``event_id`` is the client's idempotency key."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [EXAMPLE_PLAY_START]},
    )

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: EventId
    type: EventType
    profile_id: int = Field(ge=1)
    session_id: ShortText
    item: ItemRef | None = None
    position_s: float | None = Field(default=None, ge=0, le=1e6)
    duration_s: float | None = Field(default=None, ge=0, le=1e6)
    device: ShortText | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    client_time: AwareDatetime
    # Validated even when absent, so the ingestion path can stamp it (see ``_stamp``).
    server_time: AwareDatetime | None = Field(default=None, validate_default=True)
    experiments: dict[ShortText, ShortText] = Field(default_factory=dict, max_length=32)
    app_version: ShortText | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    # Per-type payloads.
    row: ShortText | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    value: float | None = Field(default=None, ge=0.5, le=5)
    query: str | None = Field(default=None, min_length=1, max_length=200)
    results: int | None = Field(default=None, ge=0)
    from_s: float | None = Field(default=None, ge=0, le=1e6)
    to_s: float | None = Field(default=None, ge=0, le=1e6)

    @field_validator("server_time", mode="wrap")
    @classmethod
    def _stamp(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        # The server stamps receive time; a client cannot choose it. Doing it here, through the
        # validation context, saves a copy of every raw event on the ingestion hot path.
        if info.context is not None and _RECEIVED_AT in info.context:
            return info.context[_RECEIVED_AT]
        return handler(value)

    @model_validator(mode="after")
    def _type_payload(self) -> Self:
        if self.type in _ITEM_TYPES and self.item is None:
            raise ValueError(f"item: required for {self.type.value} events")
        for name in _REQUIRED.get(self.type, ()):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: required for {self.type.value} events")
        # Most events carry no context: skip encoding it (a hot path of ingestion).
        if self.context and len(json.dumps(self.context, default=str)) > MAX_CONTEXT_BYTES:
            raise ValueError(f"context: larger than {MAX_CONTEXT_BYTES} bytes as JSON")
        return self

    def to_json(self) -> bytes:
        """The stored form: compact JSON bytes."""
        # The core serializer straight to bytes: no str round trip (ingestion hot path).
        return self.__pydantic_serializer__.to_json(self, exclude_none=True)


def impression_titles(
    title_id: object, context: Mapping[str, Any] | str | bytes | None
) -> list[int]:
    """The titles one ``impression`` event showed: the server logs one event per row, with the
    row's titles in ``context["titles"]``; a client's event shows its one ``item``. Takes the
    event as stored too: ``context`` as JSON text (the lake's column), a missing title as None
    or NaN (a pandas column)."""
    if isinstance(context, str | bytes):
        context = _json_object(context)
    titles = (context or {}).get("titles")
    if isinstance(titles, list) and titles and all(type(t) is int for t in titles):
        return titles
    if isinstance(title_id, numbers.Real) and not math.isnan(float(title_id)):
        return [int(float(title_id))]
    return []


def _json_object(text: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# Built once: a batch is validated in one call (the per-call set-up was a cost per event).
_BATCH = TypeAdapter(list[Event])


def time_problem(client_time: datetime, *, now: datetime) -> str | None:
    """Why a client time is not believable, or None: far off means a broken device clock."""
    if client_time > now + MAX_FUTURE:
        return "more than 24 hours in the future"
    if client_time < now - MAX_PAST:
        return "more than 365 days in the past"
    return None


def parse_event(raw: object, *, now: datetime, prefix: str = "") -> Event | list[FieldProblem]:
    """Validate one raw event and stamp ``server_time``; problems name ``{prefix}.{field}``.

    Without a prefix the field is relative to the event (``client_time``, ``item.title_id``).
    """
    try:
        event = Event.model_validate(raw, context={_RECEIVED_AT: now})
    except ValidationError as exc:
        return [_problem(prefix, error) for error in exc.errors(include_url=False)]
    reason = time_problem(event.client_time, now=now)
    if reason is not None:
        return [FieldProblem(_join(prefix, "client_time"), reason)]
    return event


def parse_events(
    raws: Sequence[object], *, now: datetime
) -> tuple[list[tuple[int, Event]], list[tuple[int, FieldProblem]]]:
    """Validate a batch, each event on its own: ``(index, event)`` of the valid ones and
    ``(index, problem)`` of the others (fields relative to the event), both in batch order.

    The common all-valid batch is one validation call; a batch with invalid events is
    validated again event by event, so one bad event never costs its neighbours.
    """
    context = {_RECEIVED_AT: now}
    try:
        valid = list(enumerate(_BATCH.validate_python(raws, context=context)))
        problems: list[tuple[int, FieldProblem]] = []
    except ValidationError as exc:
        problems = [_indexed_problem(error) for error in exc.errors(include_url=False)]
        bad = {index for index, _ in problems}
        valid = [
            (index, Event.model_validate(raw, context=context))
            for index, raw in enumerate(raws)
            if index not in bad
        ]
    future, past = now + MAX_FUTURE, now - MAX_PAST
    in_time: list[tuple[int, Event]] = []
    for index, event in valid:
        # time_problem inlined with bounds computed once: this loop runs for every event.
        if past <= event.client_time <= future:
            in_time.append((index, event))
        else:
            reason = time_problem(event.client_time, now=now)
            problems.append((index, FieldProblem("client_time", str(reason))))
    problems.sort(key=lambda pair: pair[0])
    return in_time, problems


def _indexed_problem(error: Mapping[str, Any]) -> tuple[int, FieldProblem]:
    """A list error's location starts with the event's index; the rest is within the event."""
    index, *within = error["loc"]
    return int(index), _problem("", {**error, "loc": within})


def _problem(prefix: str, error: Mapping[str, Any]) -> FieldProblem:
    location = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"])
    if not location and ": " in message:
        # Our model validator phrases cross-field errors as "field: reason".
        location, message = message.removeprefix("Value error, ").split(": ", 1)
    return FieldProblem(_join(prefix, location) or "event", message)


def _join(prefix: str, location: str) -> str:
    return ".".join(part for part in (prefix, location) if part)


def is_clickstream(body: object) -> bool:
    """The web clients' batch shape is recognised by its ``userId`` key."""
    return isinstance(body, Mapping) and "userId" in body


def clickstream_to_envelopes(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Map ``{userId, sessionId, events: [...]}`` to raw envelopes, one per event, same order.

    Mapping: ``userId`` → ``profile_id``; ``sessionId`` → ``session_id``; ``eventType`` → ``type``
    (lower-cased, ``-`` and spaces as ``_``; unknown types stay and are rejected by validation);
    ``timestamp`` (ISO 8601, or epoch seconds / milliseconds) → ``client_time``;
    ``timeSpentSeconds`` → ``duration_s``; ``page`` → ``context.page``; ``eventId`` → ``event_id``,
    else a UUIDv5 of (user, session, timestamp, type, index) so a resent batch deduplicates;
    ``titleId``/``episodeId`` → ``item``; ``device``, ``country``, ``appVersion`` as named;
    every other key goes to ``context``. The result is validated like any other envelope.
    """
    user, session = body.get("userId"), body.get("sessionId")
    events = body.get("events")
    if not isinstance(events, Sequence) or isinstance(events, str | bytes):
        return []
    return [_map_click(user, session, index, raw) for index, raw in enumerate(events)]


_NAMED = {"device": "device", "country": "country", "appVersion": "app_version"}
_CONSUMED = {"eventId", "eventType", "timestamp", "timeSpentSeconds", "titleId", "episodeId"}


def _map_click(user: Any, session: Any, index: int, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        return {"_": raw}  # fails validation with a per-event error
    kind = str(raw.get("eventType", "")).strip().lower().replace("-", "_").replace(" ", "_")
    stamp = raw.get("timestamp")
    seed = f"{user}|{session}|{stamp}|{kind}|{index}"
    envelope: dict[str, Any] = {
        "event_id": raw.get("eventId") or str(uuid.uuid5(_CLICKSTREAM_NS, seed)),
        "type": kind,
        "profile_id": user,
        "session_id": None if session is None else str(session),
        "client_time": _client_time(stamp),
    }
    if raw.get("timeSpentSeconds") is not None:
        envelope["duration_s"] = raw["timeSpentSeconds"]
    if raw.get("titleId") is not None:
        envelope["item"] = {"title_id": raw["titleId"], "episode_id": raw.get("episodeId")}
    context: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _NAMED:
            envelope[_NAMED[key]] = value
        elif key not in _CONSUMED:
            context[key] = value
    envelope["context"] = context
    return envelope


def _client_time(stamp: Any) -> Any:
    """Epoch numbers become aware datetimes; values above 1e11 are taken as milliseconds."""
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        seconds = stamp / 1000 if stamp > 1e11 else stamp
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return stamp
    return stamp
