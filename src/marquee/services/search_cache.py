"""Recent match results of the search index, so a frequent query skips the index.

Queries repeat: genre words, popular titles, the same prefix typed by many people. A cached
entry is the index's answer (candidates before re-ranking), so taste re-ranking, filters and the
live checks of hydration still run per request. Entries belong to one index watermark: the
service calls ``expect`` with the watermark it reads at every refresh check, and any change
(this process refreshed the index, or another process did) drops every entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class MatchCache(Generic[V]):
    """A bounded LRU map, cleared when the index it caches moves; safe across threads."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._watermark: object = None
        self._generation = 0  # bumped at every clear: a put computed before it is dropped

    @property
    def generation(self) -> int:
        """Read before computing a value; hand it to ``put``."""
        return self._generation

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V, *, generation: int) -> None:
        if self._max == 0:
            return
        with self._lock:
            if generation != self._generation:
                return  # computed against an index that has since moved
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def expect(self, watermark: object) -> None:
        """The index is at ``watermark``: entries computed at another one are dropped."""
        with self._lock:
            if watermark != self._watermark:
                self._watermark = watermark
                self._clear()

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _clear(self) -> None:
        self._entries.clear()
        self._generation += 1
