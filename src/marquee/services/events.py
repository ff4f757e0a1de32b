"""Event ingestion: validate each event on its own, check profile ownership, append durably.

Ownership answers are cached in process for ``OWNERSHIP_TTL_S`` (profile → account), which
saves a database query per request for a client that sends batch after batch. Only positive
answers are cached, and profile erasure in this process forgets the profile at once (wired as a
``PrivacyService`` eraser); another API process may accept a deleted profile's events for up to
the TTL, which the archiver then drops (it keeps events of existing profiles only).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from cachetools import TTLCache
from sqlalchemy import select

from marquee.clock import Clock
from marquee.domain.events import MAX_BATCH, Event, parse_events
from marquee.errors import PayloadTooLarge
from marquee.storage.db import Database
from marquee.storage.db.tables import Profile
from marquee.storage.eventlog import EventLog, LogRecord

OWNERSHIP_TTL_S = 30.0
_OWNERSHIP_ENTRIES = 100_000  # profiles; the least recently used go first beyond it


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
        # Timed by the service clock, so tests can move past the TTL.
        self._owners: TTLCache[int, int] = TTLCache(
            _OWNERSHIP_ENTRIES, OWNERSHIP_TTL_S, timer=lambda: clock().timestamp()
        )
        self._owners_lock = threading.Lock()  # request threads share the cache

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

    def forget_profile(self, profile_id: int) -> None:
        """Drop a deleted profile's cached ownership, so its events are refused from now on."""
        with self._owners_lock:
            self._owners.pop(profile_id, None)

    def _owned_profiles(self, account_id: int, profile_ids: set[int]) -> set[int]:
        with self._owners_lock:
            owned = {p for p in profile_ids if self._owners.get(p) == account_id}
        unknown = profile_ids - owned
        if not unknown:
            return owned
        with self._db.session() as s:
            query = select(Profile.id).where(
                Profile.account_id == account_id, Profile.id.in_(unknown)
            )
            found = set(s.scalars(query))
        with self._owners_lock:
            for profile_id in found:
                self._owners[profile_id] = account_id
        return owned | found
