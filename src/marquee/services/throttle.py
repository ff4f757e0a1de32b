"""Fixed-window attempt counters in the online store, for logins and PIN checks."""

from __future__ import annotations

import hashlib
import math

from marquee.clock import Clock
from marquee.errors import RateLimited
from marquee.storage.kv import OnlineStore


class AttemptLimiter:
    """At most ``max_attempts`` per ``window_s`` for each key; the window follows the clock."""

    def __init__(
        self, *, kv: OnlineStore, clock: Clock, max_attempts: int, window_s: int, prefix: str
    ) -> None:
        self._kv = kv
        self._clock = clock
        self._max = max_attempts
        self._window = window_s
        self._prefix = prefix

    def hit(self, subject: str, *, allowance: int = 1) -> str:
        """Count one attempt for ``subject``; raise RateLimited once it exceeds the limit.

        ``allowance`` multiplies the limit (a client address is shared by many people).
        Attempts are counted before they are checked, so concurrent ones cannot slip through;
        a successful attempt is given back with ``forgive`` and the returned counter key.
        """
        now = self._clock().timestamp()
        window = math.floor(now / self._window)
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        key = f"{self._prefix}:{digest}:{window}"
        count = self._kv.incr(key, ttl=self._window + 5)
        if count > self._max * allowance:
            retry_after = max(1, math.ceil((window + 1) * self._window - now))
            raise RateLimited(
                f"too many attempts; try again in {retry_after} s", retry_after_s=retry_after
            )
        return key

    def forgive(self, key: str) -> None:
        """Take back an attempt that succeeded: only failures count toward the limit."""
        self._kv.incr(key, -1, ttl=self._window + 5)
