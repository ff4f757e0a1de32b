"""Imported history as behaviour events, so models train from the same path production uses.

Each imported interaction row becomes envelopes published through ``EventsService.publish`` (the
trusted in-process path: original timestamps are kept, however old), and the archiver moves them
into the lake. Mapping:

* a rating (``rate``, 0.5–5 stars) → a ``rate`` event with ``value`` = the stars, plus a thumb
  derived from it: ``thumbs_up`` at 4 stars or more, ``thumbs_down`` at 2 or less, none between;
* a synthetic play (``play``, completion c of a runtime R minutes) → ``play_start`` at the play's
  time, then ``complete`` (c ≥ 0.9) or ``stop`` at time + c·R with ``position_s`` = c·R·60 and
  ``duration_s`` = R·60;
* ``thumbs_up`` / ``thumbs_down`` rows → the same event types.

Event ids are a UUIDv5 of (source, profile, title, type, time), so a rerun publishes the same ids
and adds nothing. Sessions are named ``{source}-{profile}-{UTC day}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from marquee.domain.events import Event, EventType, ItemRef
from marquee.services.imports.writer import ImportReport, Row, batched

THUMBS_UP_AT, THUMBS_DOWN_AT = 4.0, 2.0
FINISHED_AT = 0.9
_NAMESPACE = uuid.UUID("0e5d3c8a-6f7b-4a51-9d42-3b1c2e7f9a60")
PUBLISH_BATCH = 5_000
# Archiving imported history: one Iceberg commit per this many events (see Archiver.drain).
ARCHIVE_BATCH = 200_000


class EventSink(Protocol):
    """Where importers send events: ``EventsService.publish``."""

    def publish(self, events: Sequence[Event]) -> int: ...


def thumb_for(stars: float) -> EventType | None:
    """The thumb a rating implies: up at 4 stars or more, down at 2 or less."""
    if stars >= THUMBS_UP_AT:
        return EventType.THUMBS_UP
    if stars <= THUMBS_DOWN_AT:
        return EventType.THUMBS_DOWN
    return None


def _event(row: Row, kind: EventType, at: datetime, **payload: Any) -> Event:
    at = at.astimezone(UTC)
    source, profile_id, title_id = row["source"], row["profile_id"], row["title_id"]
    seed = f"{source}|{profile_id}|{title_id}|{kind.value}|{at.isoformat()}"
    return Event(
        event_id=str(uuid.uuid5(_NAMESPACE, seed)),
        type=kind,
        profile_id=profile_id,
        session_id=f"{source}-{profile_id}-{at.date().isoformat()}"[:64],
        item=ItemRef(title_id=title_id),
        client_time=at,
        server_time=at,
        context={"source": source},
        **payload,
    )


def row_events(row: Row, runtimes: Mapping[int, float] | None = None) -> list[Event]:
    """The events one interaction row stands for (see the module docstring)."""
    kind, at, value = row["kind"], row["occurred_at"], float(row["value"])
    if kind == "rate":
        events = [_event(row, EventType.RATE, at, value=value)]
        if (thumb := thumb_for(value)) is not None:
            events.append(_event(row, thumb, at))
        return events
    if kind == "play":
        minutes = (runtimes or {}).get(row["title_id"]) or 0.0
        watched_s = value * minutes * 60
        end = EventType.COMPLETE if value >= FINISHED_AT else EventType.STOP
        return [
            _event(row, EventType.PLAY_START, at, position_s=0.0, duration_s=minutes * 60),
            _event(
                row,
                end,
                at + timedelta(seconds=watched_s),
                position_s=watched_s,
                duration_s=minutes * 60,
            ),
        ]
    if kind in (EventType.THUMBS_UP.value, EventType.THUMBS_DOWN.value):
        return [_event(row, EventType(kind), at)]
    return []


def publishing(
    rows: Iterable[Row],
    sink: EventSink,
    report: ImportReport,
    *,
    runtimes: Mapping[int, float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Row]:
    """Pass interaction rows through unchanged, publishing their events a batch at a time;
    ``report.events`` counts the events the log did not hold yet."""
    for chunk in batched(rows, PUBLISH_BATCH):
        events = [event for row in chunk for event in row_events(row, runtimes)]
        report.events += sink.publish(events)
        if progress is not None:
            progress(len(chunk))
        yield from chunk
