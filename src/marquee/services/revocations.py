"""Which login sessions are logged out: the online store first, the database when it is down.

Logging out revokes the session's refresh-token family in the database (durable) and marks the
session in the online store (fast, shared by every process). Access tokens are checked against
the store; when it cannot be reached they are checked against the database instead (a session
is live only while its family still has a token that is not revoked), with the answers cached
in process for a few seconds. An outage therefore neither turns every request into a 503 nor
lets a logged-out token through.

The store's "not revoked" answer is also kept in process, for ``STORE_LIVE_CACHE_S`` (1 s): one
store read per session per second instead of one per request (it was ~9 % of a homepage
worker's CPU). The bound: a logout made through *another* process is honoured here at most 1 s
late; one made through this process is honoured at once (``revoke`` drops the cached answer).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from marquee.errors import Unavailable
from marquee.services import refresh_tokens
from marquee.storage.db import Database
from marquee.storage.kv import OnlineStore

log = logging.getLogger(__name__)

LIVE_CACHE_S = 5.0  # how long a "still live" answer from the database is trusted
STORE_LIVE_CACHE_S = 1.0  # how long a "not revoked" answer from the store is trusted
STORE_RETRY_S = 2.0  # after a failed store call, how long to go straight to the database
_MAX_CACHED = 50_000


def revoked_key(session: str) -> str:
    return f"auth:revoked:{session}"


class Revocations:
    """``is_revoked(session)`` and ``revoke(session)``; never fails because the store is down."""

    def __init__(
        self,
        *,
        kv: OnlineStore,
        db: Database | None,
        ttl_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kv, self._db, self._ttl_s, self._now = kv, db, ttl_s, monotonic
        self._store_down_until = 0.0
        self._live: dict[str, float] = {}  # session → monotonic time the answer expires
        self._revoked: dict[str, float] = {}  # revoked here, maybe not yet in the store
        self._unsaved: dict[str, float] = {}  # revoked while the store was down
        self._lock = threading.Lock()

    def cached(self, session: str) -> bool | None:
        """``is_revoked`` when this process already knows the answer, else None: no I/O, so the
        API may ask on its event loop and go to a worker thread only on None."""
        now = self._now()
        with self._lock:
            if self._revoked.get(session, 0.0) > now:
                return True
            if self._live.get(session, 0.0) > now:
                return False
        return None

    def is_revoked(self, session: str) -> bool:
        known = self.cached(session)
        if known is not None:
            return known
        now = self._now()
        with self._lock:
            store_down = now < self._store_down_until
        if not store_down:
            try:
                found = self._kv.get(revoked_key(session))
            except Unavailable:
                self._store_failed(now)
            else:
                self._save_unsaved()
                if found is None:
                    self._remember_live(session, now + STORE_LIVE_CACHE_S, now)
                return found is not None
        return self._revoked_in_database(session, now)

    def _remember_live(self, session: str, until: float, now: float) -> None:
        with self._lock:
            if len(self._live) > _MAX_CACHED:
                self._live = {k: v for k, v in self._live.items() if v > now}
                if len(self._live) > _MAX_CACHED:
                    self._live.clear()
            self._live[session] = until

    def revoke(self, session: str) -> None:
        """Refuse ``session`` until its longest access token has expired. The caller has
        already revoked the family in the database; the store mark is retried when it is down."""
        now = self._now()
        with self._lock:
            self._revoked[session] = now + self._ttl_s
            self._live.pop(session, None)
        try:
            self._kv.set(revoked_key(session), b"1", ttl=self._ttl_s + 5)
        except Unavailable:
            log.warning("online store down: session revocation kept in the database only")
            self._store_failed(now)
            with self._lock:
                self._unsaved[session] = now + self._ttl_s

    def _revoked_in_database(self, session: str, now: float) -> bool:
        if self._db is None:
            raise Unavailable("online store unreachable and no database to check sessions in")
        with self._lock:
            if self._live.get(session, 0.0) > now:
                return False
        with self._db.session() as s:
            live = refresh_tokens.family_is_live(s, session)
        with self._lock:
            if len(self._live) > _MAX_CACHED or len(self._revoked) > _MAX_CACHED:
                self._live.clear()
                self._revoked = {k: v for k, v in self._revoked.items() if v > now}
            if live:
                self._live[session] = now + LIVE_CACHE_S
            else:
                self._revoked[session] = now + self._ttl_s
        return not live

    def _store_failed(self, now: float) -> None:
        with self._lock:
            self._store_down_until = now + STORE_RETRY_S

    def _save_unsaved(self) -> None:
        """Write the marks of sessions revoked during an outage, so other processes see them."""
        if not self._unsaved:
            return
        with self._lock:
            pending, self._unsaved = self._unsaved, {}
        now = self._now()
        try:
            for session, until in pending.items():
                if until > now:
                    self._kv.set(revoked_key(session), b"1", ttl=until - now + 5)
        except Unavailable:
            with self._lock:
                self._unsaved.update(pending)
