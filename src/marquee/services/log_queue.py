"""Best-effort logging off the request path: a bounded queue drained by a background thread.

For events the server produces about a request it has already answered (homepage impressions,
searches): the request thread appends a cheap closure; a daemon thread, started on first use,
builds the items and hands them to ``sink`` in batches. When the queue is full the item is not
logged and ``dropped`` counts it, so a request never waits for the event log. Events sent by
clients take the ingestion path instead, which never drops what it accepted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
_BATCH = 50  # submissions per call of the sink


class LogQueue(Generic[T]):
    def __init__(self, sink: Callable[[list[T]], object], *, name: str, max_queued: int) -> None:
        self._sink, self._name, self._max = sink, name, max_queued
        self._queue: deque[Callable[[], list[T]]] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._flushing = threading.Lock()
        self.dropped = 0  # submissions not logged because the queue was full

    def submit(self, build: Callable[[], list[T]]) -> bool:
        """Queue ``build`` (it runs in the logging thread); False when the queue was full and
        the submission was dropped."""
        with self._wake:
            if len(self._queue) >= self._max:
                self.dropped += 1
                return False
            self._queue.append(build)
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wake.notify()
        return True

    def flush(self) -> int:
        """Hand everything queued now to the sink, in the caller's thread; returns how many
        items. Waits for a flush under way in the logging thread, so afterwards all is out."""
        with self._flushing:
            return self._drain()

    def close(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.flush()

    def _drain(self) -> int:
        total = 0
        while True:
            with self._wake:
                builders = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
            if not builders:
                return total
            batch = [item for build in builders for item in build()]
            total += len(batch)
            self._put(batch)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopping:
                    self._wake.wait(timeout=1.0)
                if self._stopping:
                    return
            self.flush()

    def _put(self, batch: list[T]) -> None:
        try:
            self._sink(batch)
        except Exception:  # a down event log must not take requests with it
            log.warning("%s: %d events could not be logged", self._name, len(batch), exc_info=True)
