"""The event-log interface: append with dedup, consumer-group reads, acks, re-claims, retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DEDUP_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True)
class LogRecord:
    """What producers append: the idempotency key, the partition key and the JSON bytes."""

    event_id: str
    profile_id: int
    payload: bytes


@dataclass(frozen=True)
class LogEntry:
    """What consumers read: a record plus the log's opaque entry id (used to ack)."""

    entry_id: str
    event_id: str
    profile_id: int
    payload: bytes


@dataclass(frozen=True)
class PendingEntry:
    """An entry delivered to ``consumer`` and not yet acknowledged."""

    entry_id: str
    consumer: str
    idle_ms: int
    deliveries: int


class EventLog(Protocol):
    """At-least-once delivery per consumer group; order is kept per profile.

    A group that does not exist yet is created on first use and starts at the oldest entry.
    """

    def append(self, records: Sequence[LogRecord]) -> int:
        """Store durably; an ``event_id`` already seen (within the dedup TTL) is skipped.

        Returns how many records were newly stored.
        """
        ...

    def read(self, group: str, consumer: str, *, count: int, block_ms: int = 0) -> list[LogEntry]:
        """Up to ``count`` entries never delivered to ``group``; waits up to ``block_ms`` for some.

        After a wait a backend may return a few more than ``count`` (one per partition).
        """
        ...

    def ack(self, group: str, entry_ids: Sequence[str]) -> int:
        """Mark entries processed by ``group``; returns how many were pending."""
        ...

    def pending(self, group: str) -> list[PendingEntry]:
        """Entries delivered to ``group`` and not acknowledged, oldest first."""
        ...

    def claim(self, group: str, consumer: str, *, min_idle_ms: int, count: int) -> list[LogEntry]:
        """Take over pending entries idle for ``min_idle_ms`` or more (their consumer died)."""
        ...

    def trim(self, *, groups: Sequence[str]) -> int:
        """Drop entries every one of ``groups`` has acknowledged; returns how many were dropped."""
        ...

    def profile_entries(self, profile_id: int) -> list[LogEntry]:
        """Every entry of ``profile_id`` still in the log, oldest first (data exports)."""
        ...

    def delete_profile(self, profile_id: int) -> int:
        """Erase every entry of ``profile_id`` (GDPR), acknowledged or not, from every group;
        returns how many entries were removed. Its event ids stay known for deduplication."""
        ...

    def close(self) -> None: ...
