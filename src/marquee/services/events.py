"""Event ingestion: validate each event on its own, check profile ownership, append durably."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from marquee.clock import Clock
from marquee.domain.events import MAX_BATCH, Event, parse_events
from marquee.errors import PayloadTooLarge
from marquee.storage.db import Database
from marquee.storage.db.tables import Profile
from marquee.storage.eventlog import EventLog, LogRecord


@dataclass(frozen=True)
class EventProblem:
    """Why the event at ``index`` of the batch was not accepted; ``field`` is within the event."""

    index: int
    field: str
    reason: str


@dataclass(frozen=True)
class IngestResult:
    """Ids of the accepted events (stored now or before: resends are idempotent) and problems."""

    accepted: list[str] = field(default_factory=list)
    errors: list[EventProblem] = field(default_factory=list)


class EventsService:
    """The one way into the event log, for HTTP clients and in-process producers alike."""

    def __init__(self, *, event_log: EventLog, db: Database, clock: Clock) -> None:
        self._log = event_log
        self._db = db
        self._clock = clock

    def ingest(self, batch: Sequence[object], *, account_id: int) -> IngestResult:
        """Accept the valid events of a client batch; answers once they are durable.

        Raises ``PayloadTooLarge`` over ``MAX_BATCH`` and ``Unavailable`` when the log is down.
        """
        if len(batch) > MAX_BATCH:
            raise PayloadTooLarge(f"at most {MAX_BATCH} events per batch, got {len(batch)}")
        parsed, problems = parse_events(batch, now=self._clock())
        errors = [EventProblem(index, p.field, p.reason) for index, p in problems]
        owned = self._owned_profiles(account_id, {event.profile_id for _, event in parsed})
        accepted: list[Event] = []
        for index, event in parsed:
            if event.profile_id in owned:
                accepted.append(event)
            else:
                # Same answer for another account's profile and a missing one: no existence leak.
                errors.append(EventProblem(index, "profile_id", "no such profile"))
        self.publish(accepted)
        errors.sort(key=lambda problem: problem.index)
        return IngestResult(accepted=[event.event_id for event in accepted], errors=errors)

    def publish(self, events: Sequence[Event]) -> int:
        """Append already-validated events from trusted in-process producers (heartbeats,
        impressions); returns how many were new."""
        if not events:
            return 0
        records = [LogRecord(e.event_id, e.profile_id, e.to_json()) for e in events]
        return self._log.append(records)

    def _owned_profiles(self, account_id: int, profile_ids: set[int]) -> set[int]:
        if not profile_ids:
            return set()
        with self._db.session() as s:
            query = select(Profile.id).where(
                Profile.account_id == account_id, Profile.id.in_(profile_ids)
            )
            return set(s.scalars(query))
