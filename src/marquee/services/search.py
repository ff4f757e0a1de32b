"""Search: full text over titles, people, genres and tags; typo tolerance; autocomplete;
results re-ranked by popularity and the profile's taste; searches and clicks logged as events.

The index catches up with the catalog lazily: at most every ``refresh_interval_s`` a search
compares the catalog's watermark (latest ``updated_at``, title count) with the index's and
rewrites what changed. ``rebuild()`` redoes everything (``marquee batch search-index``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from marquee.clock import Clock
from marquee.config import SearchSettings
from marquee.domain.events import Event
from marquee.errors import MarqueeError
from marquee.recs.ranking.taste import Taste, TasteSource
from marquee.services import search_documents as docs
from marquee.services.events import EventsService
from marquee.services.log_queue import LogQueue
from marquee.services.search_cache import MatchCache
from marquee.services.title_cards import TitleCard, TitleCards
from marquee.services.viewers import Viewer, resolve_viewer
from marquee.storage.db import Database
from marquee.storage.search import (
    Hit,
    IndexUpdate,
    Label,
    SearchFilters,
    SearchIndex,
    tokens,
)
from marquee.storage.search.base import allowed_typos, edit_distance

MAX_PAGE_END = 200  # results past this are never useful and cost ranking time
_MAX_QUEUED_SEARCHES = 10_000  # search events waiting for the log; past it they are dropped
_SPELLING_CANDIDATES = 60
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    card: TitleCard
    score: float


@dataclass(frozen=True)
class SearchPage:
    query: str
    corrected: str | None  # the query actually run, when spelling changed it
    results: list[SearchResult]
    count: int


class SearchService:
    """Query the index, re-rank for the viewer, hydrate cards, log what was searched."""

    def __init__(
        self,
        *,
        db: Database,
        index: SearchIndex,
        events: EventsService,
        taste: TasteSource,
        cards: TitleCards,
        settings: SearchSettings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._index = index
        self._events = events
        self._taste = taste
        self._cards = cards
        self._settings = settings
        self._clock = clock
        self._refresh_lock = threading.Lock()
        self._checked_at = float("-inf")
        # Searches are logged off the request path: an append waits for the log's fsync.
        self.search_log: LogQueue[Event] = LogQueue(
            events.publish, name="search-log", max_queued=_MAX_QUEUED_SEARCHES
        )
        # The index's answers to recent queries: genre words and popular names repeat.
        self._matches: MatchCache[tuple[tuple[Hit, ...], str | None]] = MatchCache(
            settings.match_cache
        )

    # -- queries ---------------------------------------------------------------------------

    def viewer(self, *, account_id: int, profile_id: int) -> Viewer:
        """The caller's profile to personalise for (404 for someone else's)."""
        return resolve_viewer(self._db, account_id=account_id, profile_id=profile_id)

    def search(
        self,
        *,
        q: str,
        filters: SearchFilters,
        viewer: Viewer | None,
        limit: int = 20,
        offset: int = 0,
        session_id: str | None = None,
    ) -> SearchPage:
        """A page of titles for ``q``; a viewer's maturity caps the filters and taste ranks."""
        self.refresh_if_due()
        if viewer is not None:
            level = min(filters.max_maturity_level, viewer.max_level)
            filters = replace(filters, max_maturity_level=level)
        words = tokens(q)
        if len(words) > 1 and len(words[-1]) == 1:
            # "the h" while typing: a one-letter prefix matches nearly everything; wait for more.
            words = words[:-1]
        hits, corrected = self._match(words, filters)
        ranked = self._rerank(hits, self._taste.of(viewer.profile_id) if viewer else Taste())
        results = self._hydrate(ranked, viewer, filters.max_maturity_level, offset + limit)
        page = SearchPage(q, corrected, results[offset : offset + limit], len(ranked))
        if viewer is not None:
            event = self._event(
                viewer,
                "search",
                session_id,
                query=q[:200],
                results=page.count,
                context={"corrected": corrected} if corrected else {},
            )
            self.search_log.submit(lambda: [event])
        return page

    def suggest(self, *, q: str, viewer: Viewer | None, limit: int = 8) -> list[Label]:
        """Titles, people and genres whose words start with what was typed."""
        self.refresh_if_due()
        level = viewer.max_level if viewer else SearchFilters().max_maturity_level
        return self._index.suggest(tokens(q), max_maturity_level=level, limit=limit)

    def record_click(
        self, *, viewer: Viewer, query: str, title_id: int, position: int, session_id: str | None
    ) -> None:
        """A result was opened: the label that teaches search ranking what people meant.
        Published before answering, like every event a client sends."""
        self._publish(
            viewer,
            "click",
            session_id,
            item={"title_id": title_id},
            query=query[:200],
            position=position,
            context={"source": "search"},
        )

    def close(self) -> None:
        self.search_log.close()
        self._index.close()

    # -- index maintenance -----------------------------------------------------------------

    def refresh_if_due(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self._settings.refresh_interval_s:
            return
        with self._refresh_lock:
            if now - self._checked_at < self._settings.refresh_interval_s:
                return
            self.refresh()
            self._checked_at = time.monotonic()

    def refresh(self) -> int:
        """Index what changed since the last refresh; returns how many titles were written."""
        mark = self._index.watermark()
        if mark is None:
            return self.rebuild()
        self._matches.expect(mark)  # another process may have refreshed the shared index
        with self._db.session() as s:
            if docs.catalog_watermark(s) == mark:
                return 0
            changes = docs.changes_since(s, mark, self._index.indexed_ids())
            written = docs.documents(s, changes.changed)
            labels = docs.title_labels(written, docs.title_names(s, changes.changed))
        self._index.apply(IndexUpdate(written, changes.removed, changes.watermark, labels))
        self._matches.expect(changes.watermark)
        self._cards.forget([*changes.changed, *changes.removed])
        return len(written)

    def rebuild(self) -> int:
        """Rewrite the whole index from the catalog (popularity and people labels included)."""
        with self._db.session() as s:
            mark = docs.catalog_watermark(s)
            written = docs.documents(s)
            labels = docs.all_labels(s, written)
        self._index.apply(IndexUpdate(written, (), mark, labels, reset=True))
        self._matches.clear()
        self._cards.forget()
        self._checked_at = time.monotonic()
        return len(written)

    # -- internals -------------------------------------------------------------------------

    def _match(self, words: list[str], filters: SearchFilters) -> tuple[Sequence[Hit], str | None]:
        key = (tuple(words), filters)
        cached = self._matches.get(key)
        if cached is not None:
            return cached
        generation = self._matches.generation
        hits, corrected = self._match_index(words, filters)
        answer = (tuple(hits), corrected)
        self._matches.put(key, answer, generation=generation)
        return answer

    def _match_index(
        self, words: list[str], filters: SearchFilters
    ) -> tuple[list[Hit], str | None]:
        pool = self._settings.candidates
        hits = self._index.match(words, filters, limit=pool)
        if len(hits) >= self._settings.spelling_below:
            return hits, None
        fixed = [self._correct(word) for word in words]
        if fixed == words:
            return hits, None
        more = self._index.match(fixed, filters, limit=pool)
        seen = {hit.title_id for hit in hits}
        # Exact matches first: a rare word spelt right beats a common one it resembles.
        merged = hits + [hit for hit in more if hit.title_id not in seen]
        return merged, " ".join(fixed) if more else None

    def _correct(self, word: str) -> str:
        """The most frequent known word within the allowed edit distance, else ``word``."""
        budget = allowed_typos(word)
        if budget == 0:
            return word
        best: tuple[int, int, str] | None = None
        for term, df in self._index.nearest_terms(word, limit=_SPELLING_CANDIDATES):
            if term == word:
                return word
            distance = edit_distance(word, term, limit=budget)
            if distance <= budget and (best is None or (distance, -df, term) < best):
                best = (distance, -df, term)
        return word if best is None else best[2]

    def _rerank(self, hits: Sequence[Hit], taste: Taste) -> list[tuple[int, float]]:
        if not hits:
            return []
        top_text = max(hit.relevance for hit in hits) or 1.0
        top_pop = max(hit.popularity for hit in hits) or 1.0
        w_pop, w_taste = self._settings.popularity_weight, self._settings.affinity_weight
        scored = [
            (
                hit.title_id,
                hit.relevance / top_text
                + w_pop * hit.popularity / top_pop
                + w_taste * taste.score(hit.genre_slugs),
            )
            for hit in hits
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored[:MAX_PAGE_END]

    def _hydrate(
        self, ranked: list[tuple[int, float]], viewer: Viewer | None, max_level: int, wanted: int
    ) -> list[SearchResult]:
        """Cards for the first ``wanted`` results that pass the live checks, read in slices so
        a page costs one small lookup, not one for every candidate."""
        now = self._clock()
        out: list[SearchResult] = []
        step = wanted + 5  # the index already filtered maturity: nearly every card passes
        for start in range(0, len(ranked), step):
            part = ranked[start : start + step]
            cards = self._cards.get(tid for tid, _ in part)
            for tid, score in part:
                card = cards.get(tid)
                # The index may lag the catalog by a refresh interval: check the live card too.
                if card is None or card.maturity_level > max_level:
                    continue
                if viewer is not None and not card.available_in(viewer.country, now):
                    continue
                out.append(SearchResult(card, round(score, 6)))
            if len(out) >= wanted:
                break
        return out

    def _publish(self, viewer: Viewer, kind: str, session_id: str | None, **payload: Any) -> None:
        event = self._event(viewer, kind, session_id, **payload)
        try:
            self._events.publish([event])
        except MarqueeError as exc:
            # Losing a log line must not lose the request itself.
            _log.warning("could not log a %s event: %s", kind, exc)

    def _event(self, viewer: Viewer, kind: str, session_id: str | None, **payload: Any) -> Event:
        return Event.model_validate(
            {
                "event_id": uuid.uuid4().hex,
                "type": kind,
                "profile_id": viewer.profile_id,
                "session_id": session_id or "search",
                "client_time": self._clock(),
                "server_time": self._clock(),
                "country": viewer.country,
                **payload,
            }
        )
