"""Whole served homepages, reused for a moment and refreshed ahead of expiry off the request path.

A page lives for its TTL (``recs.live_ttl_s``, at most two seconds). Once ``REFRESH_AT`` of that
has passed, the next request that reuses it *claims* a refresh: the page is rebuilt on one
background thread while requests keep getting the current one, so a profile whose homepage is
asked for again and again (a TV app, a tab being reloaded) never waits for a rebuild, and no page
is ever served older than its TTL. A page nobody asks for in time just expires, and the next
request builds it on the request path as before.

A refresh started before ``forget`` (a My List change, onboarding) is not stored: the
generation counter tells.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from marquee.recs.served import HomePage

log = logging.getLogger(__name__)

REFRESH_AT = 0.75  # share of a page's TTL after which a reuse starts a background rebuild
MAX_REFRESHING = 64  # refreshes queued at once; past it pages just expire
_MAX_PAGES = 2_048  # whole pages are large: past this, expired ones go, then all

Key = tuple[int, int]  # (account, profile)


@dataclass(frozen=True)
class _Entry:
    page: HomePage
    refresh_at: float
    expires_at: float


class LivePages:
    """``get``/``put`` pages by (account, profile); ``claim_refresh`` + ``refresh`` rebuild one
    in the background, at most once at a time per page."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._pages: dict[Key, _Entry] = {}
        self._refreshing: set[Key] = set()
        self._generation = 0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def get(self, key: Key) -> HomePage | None:
        with self._lock:
            entry = self._pages.get(key)
        return entry.page if entry is not None and entry.expires_at > self._now() else None

    def put(self, key: Key, page: HomePage, ttl_s: float, *, generation: int | None = None) -> None:
        """Keep ``page`` for ``ttl_s``; a refresh passes the generation it claimed at, and its
        page is dropped when a ``forget`` came in between."""
        now = self._now()
        entry = _Entry(page, now + REFRESH_AT * ttl_s, now + ttl_s)
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            if len(self._pages) >= _MAX_PAGES:
                self._pages = {k: v for k, v in self._pages.items() if v.expires_at > now}
                if len(self._pages) >= _MAX_PAGES:
                    self._pages.clear()
            self._pages[key] = entry

    def claim_refresh(self, key: Key) -> int | None:
        """The generation to refresh ``key`` at, when its page is due and nobody refreshes it
        yet (the caller must then call ``refresh``); else None."""
        now = self._now()
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or not entry.refresh_at <= now < entry.expires_at:
                return None
            if key in self._refreshing or len(self._refreshing) >= MAX_REFRESHING:
                return None
            self._refreshing.add(key)
            return self._generation

    def refresh(self, key: Key, build: Callable[[], object]) -> None:
        """Run ``build`` (which ``put``s the new page) on the background thread."""
        with self._lock:
            if self._closed:
                self._refreshing.discard(key)
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="home-refresh")
            self._pool.submit(self._run, key, build)

    def _run(self, key: Key, build: Callable[[], object]) -> None:
        try:
            build()
        except Exception:  # the page expires and the next request rebuilds it, or says why
            log.warning("background refresh of a homepage failed", exc_info=True)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def forget(self, profile_id: int | None = None) -> None:
        """Drop one profile's pages, or all; refreshes under way are not stored."""
        with self._lock:
            self._generation += 1
            if profile_id is None:
                self._pages.clear()
            else:
                for key in [k for k in self._pages if k[1] == profile_id]:
                    del self._pages[key]

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
