"""The archiver: moves events from the event log into the lake in batches, exactly once in effect.

It reads with its own consumer group, appends a batch to the lake (one Iceberg commit), and only
then acknowledges the batch. A crash between the commit and the ack redelivers the batch; the
lake skips event ids it already holds, so nothing is counted twice. Acknowledged entries are
trimmed from the log once every retained group has acknowledged them too (bounded retention).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from marquee.config import LakeSettings
from marquee.storage.db import Database
from marquee.storage.db.tables import Profile
from marquee.storage.eventlog import EventLog, LogEntry
from marquee.storage.lake import Lake, envelopes_to_table

ARCHIVE_GROUP = "lake-archiver"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveReport:
    """One or more batches: entries read, rows newly in the lake, entries acknowledged."""

    read: int = 0
    added: int = 0
    acked: int = 0

    def __add__(self, other: ArchiveReport) -> ArchiveReport:
        return ArchiveReport(
            self.read + other.read, self.added + other.added, self.acked + other.acked
        )


def default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Archiver:
    """Event log → lake. ``retain_for`` names the other groups trimming must wait for."""

    def __init__(
        self,
        *,
        event_log: EventLog,
        lake: Lake,
        db: Database,
        batch: int,
        retain_for: Sequence[str] = (),
        consumer: str | None = None,
        claim_idle_ms: int = 60_000,
    ) -> None:
        self._log = event_log
        self._lake = lake
        self._db = db
        self._batch = batch
        self._groups = [ARCHIVE_GROUP, *retain_for]
        self._consumer = consumer or default_consumer()
        self._claim_idle_ms = claim_idle_ms

    def run_once(self, *, block_ms: int = 0, batch: int | None = None) -> ArchiveReport:
        """Archive one batch: entries a dead archiver left unacknowledged first, then new ones."""
        count = batch or self._batch
        entries = self._log.claim(
            ARCHIVE_GROUP, self._consumer, min_idle_ms=self._claim_idle_ms, count=count
        )
        if not entries:
            entries = self._log.read(ARCHIVE_GROUP, self._consumer, count=count, block_ms=block_ms)
        if not entries:
            return ArchiveReport()
        added = self._lake.append(envelopes_to_table(self._envelopes(entries)))
        # Only after the commit: a crash before this line redelivers, and the lake dedups.
        acked = self._log.ack(ARCHIVE_GROUP, [e.entry_id for e in entries])
        return ArchiveReport(read=len(entries), added=added, acked=acked)

    def drain(self, *, batch: int | None = None) -> ArchiveReport:
        """Archive until the log has nothing new for the archiver. Imports pass a large
        ``batch``: history spanning many days writes a file per day and commit, so fewer,
        larger commits keep the lake's files few."""
        total = ArchiveReport()
        while (report := self.run_once(batch=batch)).read:
            total += report
        return total

    def trim(self) -> int:
        """Drop log entries that the archiver and every retained group have acknowledged."""
        return self._log.trim(groups=self._groups)

    def _envelopes(self, entries: Sequence[LogEntry]) -> list[dict[str, Any]]:
        """Parsed payloads of profiles that still exist: an erased profile's in-flight events
        must not land in the lake after its erasure."""
        live = self._live_profiles({e.profile_id for e in entries})
        envelopes: list[dict[str, Any]] = []
        for entry in entries:
            if entry.profile_id not in live:
                continue
            try:
                envelopes.append(orjson.loads(entry.payload))
            except orjson.JSONDecodeError:  # not from EventsService; retrying would stall
                log.error("skipping unreadable log entry %s", entry.entry_id)
        return envelopes

    def _live_profiles(self, profile_ids: set[int]) -> set[int]:
        ids = sorted(profile_ids)
        live: set[int] = set()
        with self._db.session() as s:
            # Chunks keep the IN list under SQLite's bound-parameter limit.
            for i in range(0, len(ids), 10_000):
                chunk = ids[i : i + 10_000]
                live.update(s.scalars(select(Profile.id).where(Profile.id.in_(chunk))))
        return live


class LakeLoop:
    """The worker's lake loop: archive while there is work; when idle, trim the log, run the
    idle tasks (finishing interrupted erasures) and, now and then, compact crowded days."""

    name = "lake"

    def __init__(
        self,
        *,
        archiver: Archiver,
        lake: Lake,
        settings: LakeSettings,
        idle_tasks: Sequence[Callable[[], object]] = (),
        compact_every_s: float = 3600.0,
    ) -> None:
        self._archiver = archiver
        self._lake = lake
        self._settings = settings
        self._idle_tasks = list(idle_tasks)
        self._compact_every_s = compact_every_s

    def run(self, stop: threading.Event) -> None:
        interval = self._settings.archive_interval_s
        next_compaction = 0.0
        while not stop.is_set():
            try:
                if self._archiver.run_once().read:
                    continue
                self._archiver.trim()
                for task in self._idle_tasks:
                    task()
                if time.monotonic() >= next_compaction:
                    self._lake.compact(min_files=self._settings.compact_min_files)
                    next_compaction = time.monotonic() + self._compact_every_s
            except Exception:  # a batch that failed is redelivered; keep going after a pause
                log.exception("lake loop failed; retrying in %.1f s", interval)
            stop.wait(interval)
