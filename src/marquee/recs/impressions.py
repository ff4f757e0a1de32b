"""Impression logging off the request path: pages' impressions are queued, published in batches.

The request thread only appends a cheap closure to a bounded queue; a daemon thread, started on
first use, builds the events and publishes them through ``EventsService`` (the same event log as
every other event). When the queue is full the oldest pages are dropped and counted, never the
page being served.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from marquee.domain.events import Event
from marquee.services.events import EventsService

log = logging.getLogger(__name__)
_MAX_QUEUED = 10_000  # pages
_BATCH = 50  # pages per publish


class ImpressionLog:
    def __init__(self, events: EventsService, *, max_queued: int = _MAX_QUEUED) -> None:
        self._events = events
        self._queue: deque[Callable[[], list[Event]]] = deque(maxlen=max_queued)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._flushing = threading.Lock()
        self.dropped = 0

    def submit(self, build: Callable[[], list[Event]]) -> None:
        """Queue one page's impressions; ``build`` makes the events in the logging thread."""
        with self._wake:
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
            self._queue.append(build)
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="impressions", daemon=True)
                self._thread.start()
            self._wake.notify()

    def flush(self) -> int:
        """Publish everything queued now, in the caller's thread; returns how many. Waits for
        a flush under way in the logging thread, so afterwards everything queued is published."""
        with self._flushing:
            return self._drain()

    def _drain(self) -> int:
        total = 0
        while True:
            with self._wake:
                builders = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
            if not builders:
                return total
            batch = [event for build in builders for event in build()]
            total += len(batch)
            self._publish(batch)

    def close(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping:
                    self._wake.wait(timeout=1.0)
                if self._stopping:
                    return
            self.flush()

    def _publish(self, batch: list[Event]) -> None:
        try:
            self._events.publish(batch)
        except Exception:  # a down event log must not take pages with it
            log.warning("impressions: %d events could not be published", len(batch), exc_info=True)
