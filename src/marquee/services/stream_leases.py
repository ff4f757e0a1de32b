"""Concurrent-stream leases in the online store: one lease per playback session, kept alive by
heartbeats, so a crashed client frees its slot when its lease runs out.

An account's leases are one hash (session → expiry). Check-then-act on it (count live leases,
then add one) runs under a short per-account mutex built from ``incr`` with a TTL, which is atomic
on every online store (SQLite upsert, Redis MULTI); a holder that dies frees it within
``LOCK_TTL_S``. The hash itself expires a lease TTL after its last write, so idle accounts leave
nothing behind.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from marquee.clock import Clock
from marquee.errors import Unavailable
from marquee.storage.kv import OnlineStore

LOCK_TTL_S = 5.0
LOCK_WAIT_S = 3.0
_POLL_S = 0.01


@dataclass(frozen=True)
class Lease:
    session_id: str
    profile_id: int
    expires_at: float  # epoch seconds on the service clock


@dataclass(frozen=True)
class Refused:
    """No free slot: the leases that are holding them."""

    active: list[Lease]


class StreamLeases:
    def __init__(self, *, kv: OnlineStore, clock: Clock, ttl_s: float) -> None:
        self._kv = kv
        self._clock = clock
        self._ttl_s = ttl_s

    def acquire(
        self, *, account_id: int, session_id: str, profile_id: int, limit: int
    ) -> Lease | Refused:
        """Take a slot if fewer than ``limit`` leases are live."""
        with self._locked(account_id):
            live = self._live(account_id)
            if len(live) >= limit:
                return Refused(active=sorted(live.values(), key=lambda lease: lease.expires_at))
            lease = Lease(session_id, profile_id, self._now() + self._ttl_s)
            self._write(account_id, lease)
            return lease

    def renew(self, *, account_id: int, session_id: str) -> Lease | None:
        """Extend a live lease; None when it has ended or run out (its slot may be taken)."""
        with self._locked(account_id):
            current = self._live(account_id).get(session_id)
            if current is None:
                return None
            lease = Lease(session_id, current.profile_id, self._now() + self._ttl_s)
            self._write(account_id, lease)
            return lease

    def release(self, *, account_id: int, session_id: str) -> bool:
        """Free the slot; False when the lease had already gone."""
        with self._locked(account_id):
            alive = session_id in self._live(account_id)
            self._kv.hdel(self._key(account_id), [session_id])
            return alive

    def active(self, account_id: int) -> list[Lease]:
        return sorted(self._live(account_id).values(), key=lambda lease: lease.expires_at)

    def _live(self, account_id: int) -> dict[str, Lease]:
        now = self._now()
        live: dict[str, Lease] = {}
        dead: list[str] = []
        for session_id, raw in self._kv.hgetall(self._key(account_id)).items():
            data = json.loads(raw)
            if data["exp"] > now:
                live[session_id] = Lease(session_id, int(data["profile"]), float(data["exp"]))
            else:
                dead.append(session_id)
        if dead:
            self._kv.hdel(self._key(account_id), dead)
        return live

    def _write(self, account_id: int, lease: Lease) -> None:
        value = json.dumps({"exp": lease.expires_at, "profile": lease.profile_id}).encode()
        self._kv.hset(self._key(account_id), {lease.session_id: value}, ttl=self._ttl_s)

    def _now(self) -> float:
        return self._clock().timestamp()

    @staticmethod
    def _key(account_id: int) -> str:
        return f"playback:leases:{account_id}"

    @contextmanager
    def _locked(self, account_id: int) -> Iterator[None]:
        name = f"playback:leases:{account_id}:lock"
        deadline = time.monotonic() + LOCK_WAIT_S
        # The first incr of a free (or expired) lock returns 1; any other answer means held.
        while self._kv.incr(name, ttl=LOCK_TTL_S) != 1:
            if time.monotonic() > deadline:
                raise Unavailable("stream leases are busy; try again", retry_after_s=1)
            time.sleep(_POLL_S)
        try:
            yield
        finally:
            self._kv.delete([name])
