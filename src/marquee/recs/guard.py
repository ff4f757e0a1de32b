"""Calls to the online store with a deadline and a circuit breaker, for the request path.

A read that fails or misses its deadline counts against the breaker; after ``failures`` in a
row the breaker opens and calls fail at once for ``reset_s``, then one trial call is let
through. A dead Redis therefore costs one timeout per ``reset_s``, not one per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class Unreachable(Exception):
    """The store failed, timed out, or the breaker is open."""


class Breaker:
    def __init__(
        self,
        *,
        failures: int,
        reset_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit, self._reset, self._now = failures, reset_s, monotonic
        self._failures = 0
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._failures >= self._limit and self._now() < self._open_until

    def allow(self) -> bool:
        with self._lock:
            if self._failures < self._limit:
                return True
            if self._now() >= self._open_until:
                # Half open: let this call try; a failure re-opens for another period.
                self._open_until = self._now() + self._reset
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures = 0

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self._limit:
                self._open_until = self._now() + self._reset


class Guard:
    """Runs store calls on a small pool so each has a real deadline, behind a breaker."""

    def __init__(self, *, timeout_s: float, breaker: Breaker, workers: int = 4) -> None:
        self._timeout = timeout_s
        self.breaker = breaker
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kv-guard")

    def call(self, fn: Callable[[], T]) -> T:
        if not self.breaker.allow():
            raise Unreachable("circuit open")
        future = self._pool.submit(fn)
        try:
            value = future.result(timeout=self._timeout)
        except FutureTimeout:
            self.breaker.failure()
            raise Unreachable("timed out") from None
        except Exception as exc:  # any backend error: the caller falls back
            self.breaker.failure()
            raise Unreachable(type(exc).__name__) from exc
        self.breaker.success()
        return value

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
