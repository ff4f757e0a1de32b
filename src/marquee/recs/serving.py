"""The homepage request path: assignment → cache → online store → real-time adjustments →
filters → hydrate → impressions, with a fallback chain that always answers.

Levels of the chain, recorded on each page and in ``/metrics``: ``precomputed`` (the profile's
rows), ``coldstart`` (onboarding picks newer than the precompute), ``segment`` and ``global``
(popular rows from the online store, else from the database), ``editorial`` (pins, then the
newest titles). Store reads go through ``guard.Guard`` (deadline + circuit breaker).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import or_, select

from marquee.clock import Clock
from marquee.config import RecsSettings
from marquee.experiments.assignment import Allocation, Assigner, Assignment, StaticAssigner
from marquee.features.online import OnlineFeatures
from marquee.recs.coldstart import ColdStart, PopularTitles
from marquee.recs.guard import Guard, Unreachable
from marquee.recs.impressions import ImpressionLog, PageShown, impression_records
from marquee.recs.live_pages import LivePages
from marquee.recs.live_state import LiveState, live_state
from marquee.recs.postrank import Audience, Pick, allowed, keep
from marquee.recs.precompute import POINTER, Pointer, base_rules, rows_key
from marquee.recs.rows import PageInputs, Row, build_page, decode_rows, rules_for
from marquee.recs.served import (
    HomePage,
    ServedItem,
    ServedRow,
    boost_session_genres,
    session_order,
    watching_row,
)
from marquee.recs.serving_metrics import ServingMetrics
from marquee.services.lists import ListsService
from marquee.services.progress import ProgressService
from marquee.services.title_cards import TitleCards
from marquee.services.viewers import Viewer, resolve_viewer, viewer_in
from marquee.storage.db import Database
from marquee.storage.db.tables import EditorialPin
from marquee.storage.kv import OnlineStore

_FALLBACK_TTL_S = 2.0  # fallback pages are cached briefly, so recovery shows up quickly
_POINTER_TTL_S = 1.0
_MAX_CACHED = 100_000  # entries per in-process cache; past it the cache starts over


@dataclass(frozen=True)
class _Base:
    rows: list[Row]
    level: str
    version: str | None
    created: datetime | None


class HomeService:
    """``home(account_id=, profile_id=)`` answers a page or raises NotFound; nothing else."""

    def __init__(
        self,
        *,
        db: Database,
        kv: OnlineStore,
        cards: TitleCards,
        features: OnlineFeatures,
        progress: ProgressService,
        lists: ListsService,
        coldstart: ColdStart,
        popular: PopularTitles,
        impressions: ImpressionLog,
        guard: Guard,
        metrics: ServingMetrics,
        settings: RecsSettings,
        clock: Clock,
        experiments: Assigner | None = None,
    ) -> None:
        self._db, self._kv, self._cards, self._features = db, kv, cards, features
        self.experiments = experiments or StaticAssigner(Allocation.from_settings(settings))
        self._progress, self._lists, self._cold, self._popular = progress, lists, coldstart, popular
        self.impressions, self.guard, self.metrics = impressions, guard, metrics
        self._settings, self._clock = settings, clock
        self._cache: dict[tuple[int, str], tuple[float, _Base]] = {}
        self.pages = LivePages()  # whole served pages, by (account, profile)
        self._pointer: tuple[float, Pointer | None] = (0.0, None)
        self._lock = threading.Lock()
        self.metrics.watch_age(self._age)

    # -- the request path ---------------------------------------------------------------

    def home(self, *, account_id: int, profile_id: int, session_id: str = "home") -> HomePage:
        started = time.perf_counter()
        assignment = self.experiments.assign("home", profile_id)
        self.experiments.started(assignment)
        page = self._live_page(account_id, profile_id, assignment)
        return self._served(page, assignment, session_id, started)

    def reused_home(
        self, *, account_id: int, profile_id: int, session_id: str = "home"
    ) -> HomePage | None:
        """``home`` when it needs no I/O — the profile's page is being reused and the running
        experiments are fresh — else None, having done nothing. The API calls this on its event
        loop and ``home`` in a worker thread only on None."""
        started = time.perf_counter()
        assignment = self.experiments.cached("home", profile_id)
        if assignment is None:
            return None
        page = self._reusable((account_id, profile_id), assignment)
        if page is None:
            return None
        self.experiments.started(assignment)
        return self._served(page, assignment, session_id, started)

    def _served(
        self, page: HomePage, assignment: Assignment, session_id: str, started: float
    ) -> HomePage:
        now = self._clock()
        if not self.impressions.submit(lambda: impression_records(_shown(page, session_id), now)):
            self.metrics.impressions_dropped.inc()
        self.metrics.fallback.labels(page.level).inc()
        self.metrics.latency.labels("home").observe(time.perf_counter() - started)
        self.experiments.observe(assignment, time.perf_counter() - started)
        return page

    def _reusable(self, key: tuple[int, int], assignment: Assignment) -> HomePage | None:
        page = self.pages.get(key)
        if page is None or not _same_assignment(page, assignment):
            return None
        self.metrics.cache.labels("hit").inc()
        generation = self.pages.claim_refresh(key)
        if generation is not None:
            self.pages.refresh(key, lambda: self._build(key, assignment, generation))
        return page

    def _live_page(self, account_id: int, profile_id: int, assignment: Assignment) -> HomePage:
        """The whole served page, real-time adjustments included, reused for ``live_ttl_s``
        (``recs/live_pages.py``): Continue Watching and session genres move at heartbeat pace,
        requests far faster."""
        key = (account_id, profile_id)
        reused = self._reusable(key, assignment)
        return reused if reused is not None else self._build(key, assignment)

    def _build(
        self, key: tuple[int, int], assignment: Assignment, generation: int | None = None
    ) -> HomePage:
        account_id, profile_id = key
        config = assignment.config
        # One database session for the viewer and the profile's live state: a session each
        # cost more than their queries.
        with self._db.session() as s:
            viewer = viewer_in(s, account_id=account_id, profile_id=profile_id)
            base = self._base(viewer, config)
            live = live_state(s, viewer, since=base.created, now=self._clock())
        rows = self._adjust(viewer, base, live)
        page = HomePage(profile_id, assignment.variant, config, base.level, base.version,
                        base.created, rows, assignment.exposure)  # fmt: skip
        ttl = min(self._settings.live_ttl_s, _FALLBACK_TTL_S)
        self.pages.put(key, page, ttl, generation=generation)
        return page

    def viewer(self, *, account_id: int, profile_id: int) -> Viewer:
        return resolve_viewer(self._db, account_id=account_id, profile_id=profile_id)

    def forget(self, profile_id: int | None = None) -> None:
        """Drop cached pages (of one profile, e.g. after onboarding; all of them and the
        cached precompute pointer when ``profile_id`` is None)."""
        with self._lock:
            if profile_id is None:
                self._cache.clear()
                self._pointer = (0.0, None)
            else:
                for key in [k for k in self._cache if k[0] == profile_id]:
                    del self._cache[key]
        self.pages.forget(profile_id)

    def pointer(self) -> Pointer | None:
        """The current precompute version, read at most once a second."""
        now = time.monotonic()
        with self._lock:
            at, pointer = self._pointer
            if now - at < _POINTER_TTL_S:
                return pointer
        raw = self.guard.call(lambda: self._kv.get(POINTER))
        pointer = None if raw is None else Pointer.decode(raw)
        with self._lock:
            self._pointer = (now, pointer)
        return pointer

    def neighbours(self, version: str | None, title_id: int) -> list[tuple[int, float]]:
        """Item-kNN neighbours from the precompute; empty when none or the store is down."""
        if version is None:
            return []
        try:
            raw = self.guard.call(lambda: self._kv.get(rows_key(version, "i", title_id)))
        except Unreachable:
            return []
        return [] if raw is None else [(int(t), float(s)) for t, s in orjson.loads(raw)]

    # -- base rows: cache, store, fallbacks ------------------------------------------------

    def _base(self, viewer: Viewer, config: str) -> _Base:
        key = (viewer.profile_id, config)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            self.metrics.cache.labels("hit").inc()
            return hit[1]
        self.metrics.cache.labels("miss").inc()
        base = self._chain(viewer, config)
        ttl = self._settings.cache_ttl_s
        if base.level not in ("precomputed", "coldstart"):
            ttl = min(ttl, _FALLBACK_TTL_S)
        with self._lock:
            self._cache[key] = (now + ttl, base)
            if len(self._cache) > _MAX_CACHED:
                self._cache.clear()
        return base

    def _chain(self, viewer: Viewer, config: str) -> _Base:
        picks = self._cold.picks(viewer.profile_id)
        try:
            pointer = self.pointer()
            stored = self._stored(viewer, pointer)
        except Unreachable:
            pointer, stored = None, None
        fresh_picks = picks.latest is not None and (
            pointer is None or _aware(picks.latest) > pointer.created_at
        )
        if picks.titles and (fresh_picks or stored is None or stored.level != "precomputed"):
            version = pointer.version if pointer else None
            inputs = self._cold.inputs(
                viewer, picks, neighbours=lambda t: self.neighbours(version, t), k=self._k
            )
            rows = self._page(inputs, config)
            return _Base(rows, "coldstart", version, pointer.created_at if pointer else None)
        return stored or self._from_database(viewer, config)

    @property
    def _k(self) -> int:
        return self._settings.row_length * 4

    def _stored(self, viewer: Viewer, pointer: Pointer | None) -> _Base | None:
        if pointer is None:
            return None
        v = pointer.version
        keys = [
            rows_key(v, "p", viewer.profile_id),
            rows_key(v, "s", viewer.segment),
            rows_key(v, "s", "*"),
        ]
        found = self.guard.call(lambda: self._kv.get_many(keys))
        for raw, level in zip(found, ("precomputed", "segment", "global"), strict=True):
            if raw is not None:
                return _Base(decode_rows(raw)[0], level, v, pointer.created_at)
        return None

    def _from_database(self, viewer: Viewer, config: str) -> _Base:
        """Popular in the segment, else everywhere, else the editors' and the newest titles."""
        for level, popular in (
            ("segment", self._popular.of(viewer.segment)),
            ("global", self._popular.of()),
        ):
            if any(score > 0 for _, score in popular):
                inputs = PageInputs(
                    name=viewer.name,
                    audience=Audience(viewer.max_level, viewer.country),
                    top_picks=popular[: self._k],
                    segment_top=popular[: self._k],
                )
                return _Base(self._page(inputs, config), level, None, None)
        return _Base(self._editorial(viewer), "editorial", None, None)

    def _editorial(self, viewer: Viewer) -> list[Row]:
        now = self._clock()
        with self._db.session() as s:
            pinned = list(
                s.scalars(
                    select(EditorialPin.title_id)
                    .where(
                        or_(EditorialPin.country.is_(None), EditorialPin.country == viewer.country)
                    )
                    .order_by(EditorialPin.position, EditorialPin.id)
                )
            )
        newest = [t for t, _ in self._popular.of()]
        picks = [Pick(t, 1.0, "Editor's pick") for t in pinned]
        picks += [Pick(t, 0.0, "New on Marquee") for t in newest]
        ok = allowed(
            self._cards.get(p.title_id for p in picks),
            Audience(viewer.max_level, viewer.country),
            now,
        )
        kept = keep(picks, ok)
        return (
            [Row("editorial", "Picked by our editors", kept[: self._settings.row_length])]
            if kept
            else []
        )

    def _page(self, inputs: PageInputs, config: str) -> list[Row]:
        rules = rules_for(base_rules(self._settings), config)
        info = self._cards.get(_ids(inputs))
        return build_page(inputs, info, rules, self._clock())[: self._settings.max_rows]

    # -- real-time adjustments, filters and hydration --------------------------------------

    def _adjust(self, viewer: Viewer, base: _Base, live: LiveState) -> list[ServedRow]:
        now = self._clock()
        watching, blocked, saved = live.watching, live.blocked, live.saved
        session = self._session_genres(viewer.profile_id)
        rows = [watching_row(watching)] if watching else []
        if saved:
            rows.append(
                Row(
                    "my-list",
                    "My List",
                    [Pick(t, 0.0, "On your list") for t in saved[: self._settings.row_length]],
                )
            )
        rows += base.rows
        cards = self._cards.get(p.title_id for r in rows for p in r.items)
        ok = allowed(cards, Audience(viewer.max_level, viewer.country), now)
        served = []
        for row in rows:
            state = row.key in ("continue-watching", "my-list", "watch-again")
            items = [
                p for p in row.items if ok(p.title_id) and (state or p.title_id not in blocked)
            ]
            if session and not state:
                items = boost_session_genres(items, cards, session)
            if items:
                served.append(
                    ServedRow(
                        row.key, row.title, [ServedItem(cards[p.title_id], p.reason) for p in items]
                    )
                )
        return session_order(served, session)

    def _session_genres(self, profile_id: int) -> frozenset[str]:
        try:
            values = self.guard.call(lambda: self._features.realtime(profile_id))
        except Unreachable:
            return frozenset()
        return frozenset(values.get("session_genres") or ())

    def _age(self) -> float:
        with self._lock:
            pointer = self._pointer[1]
        return -1.0 if pointer is None else (self._clock() - pointer.created_at).total_seconds()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _ids(inputs: PageInputs) -> list[int]:
    ids = [t for t, _ in inputs.top_picks] + [t for t, _ in inputs.ranking]
    ids += [t for t, _ in inputs.segment_top]
    ids += [t for t, _ in inputs.trending] + list(inputs.new_releases) + list(inputs.fresh)
    for anchor, similar in [*inputs.because, *inputs.picked]:
        ids.append(anchor)
        ids += [t for t, _ in similar]
    return ids


def _same_assignment(page: HomePage, assignment: Assignment) -> bool:
    return (page.variant, page.config) == (assignment.variant, assignment.config) and (
        page.experiments == assignment.exposure
    )


def _shown(page: HomePage, session_id: str) -> PageShown:
    return PageShown(
        profile_id=page.profile_id,
        session_id=session_id,
        experiments=page.experiments or {"home": page.variant},
        level=page.level,
        model_version=page.model_version,
        config=page.config,
        rows=[(row.key, [item.card.id for item in row.items]) for row in page.rows],
    )
