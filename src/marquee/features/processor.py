"""The stream processor: a consumer group on the event log that keeps the real-time features.

Each step reads a batch, merges it into the touched profiles' states, writes states and
features to the online store, and only then acknowledges the entries. A crash between the write
and the ack redelivers the batch (or a peer claims it once idle), and merging it again changes
nothing: delivery is at-least-once, the effect is exactly-once (see ``realtime.py``).

One processor per consumer group is the supported shape: two processors touching the same
profile at once could overwrite each other's state (last writer wins).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from marquee.errors import Unavailable
from marquee.features.online import OnlineFeatures
from marquee.features.realtime import Observed, observe
from marquee.storage.eventlog import EventLog, LogEntry

log = logging.getLogger(__name__)

GROUP = "features"


@dataclass
class ProcessorStats:
    """Counters since start, for logs and the benchmark."""

    entries: int = 0
    applied: int = 0
    too_late: int = 0
    malformed: int = 0
    batches: int = 0
    claimed: int = 0


def default_consumer() -> str:
    """Unique per process, so a restarted worker is a new consumer and its dead predecessor's
    pending entries are claimed after the idle time."""
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident() % 100_000}"


class StreamProcessor:
    """A worker loop: ``run(stop)`` until ``stop`` is set; ``step()`` does one batch."""

    name = "stream-processor"

    def __init__(
        self,
        *,
        event_log: EventLog,
        features: OnlineFeatures,
        group: str = GROUP,
        consumer: str | None = None,
        batch_size: int = 10_000,
        block_ms: int = 100,
        claim_idle_ms: int = 30_000,
    ) -> None:
        self._log = event_log
        self._features = features
        self.group = group
        self.consumer = consumer or default_consumer()
        self._batch_size = batch_size
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._next_claim = 0.0
        self.stats = ProcessorStats()

    def run(self, stop: threading.Event) -> None:
        log.info("stream processor %s started in group %s", self.consumer, self.group)
        while not stop.is_set():
            try:
                self.step()
            except Unavailable as exc:
                # The log or the store is down: nothing was acked, so nothing is lost. Back off.
                log.warning("stream processor paused: %s", exc)
                stop.wait(1.0)
        log.info("stream processor %s stopped", self.consumer)

    def step(self, *, block_ms: int | None = None) -> int:
        """Claim entries abandoned by dead consumers (now and then), read new ones, process and
        ack them. Returns how many entries were handled."""
        entries: list[LogEntry] = []
        if time.monotonic() >= self._next_claim:
            # Claiming every half idle-time bounds how long a dead consumer's work waits.
            self._next_claim = time.monotonic() + self._claim_idle_ms / 2000
            entries = self._log.claim(
                self.group, self.consumer, min_idle_ms=self._claim_idle_ms, count=self._batch_size
            )
            self.stats.claimed += len(entries)
        if not entries:
            wait = self._block_ms if block_ms is None else block_ms
            entries = self._log.read(
                self.group, self.consumer, count=self._batch_size, block_ms=wait
            )
        if entries:
            self.process(entries)
            self._log.ack(self.group, [entry.entry_id for entry in entries])
        return len(entries)

    def process(self, entries: Sequence[LogEntry]) -> None:
        """Apply entries to the online state; durable when this returns (ack after it)."""
        by_profile: dict[int, list[Observed]] = {}
        for entry in entries:
            try:
                observed = observe(orjson.loads(entry.payload))
            except (ValueError, KeyError, TypeError):
                # Validated at ingestion, so this is a foreign or corrupt record: skip, not block.
                log.error("stream processor skipped malformed entry %s", entry.entry_id)
                self.stats.malformed += 1
                continue
            by_profile.setdefault(observed.profile_id, []).append(observed)
        states = self._features.load_states(by_profile)
        for profile_id, events in by_profile.items():
            state = states[profile_id]
            # Oldest first, so lateness is judged against what came before in event time.
            for event in sorted(events, key=lambda e: e.time_us):
                if state.add(event):
                    self.stats.applied += 1
                else:
                    self.stats.too_late += 1
        self._features.save_states(states)
        self.stats.entries += len(entries)
        self.stats.batches += 1
