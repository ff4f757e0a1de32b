"""A profile's taste: genre affinity and the current session's genres.

Read from the online feature store when the batch features exist (``genre_affinity``,
``session_genres``); a profile without them gets an affinity computed from its history in the
database, so new deployments rank sensibly before the first feature run.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select

from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, Interaction, TitleGenre

# Interaction kinds that count as liking a title (rate/play values are checked below).
_POSITIVE_RATING = 3.0
_POSITIVE_COMPLETION = 0.1


@dataclass(frozen=True)
class Taste:
    """Genre slug → affinity in [0, 1] (the favourite genre is 1) and this session's genres."""

    genres: Mapping[str, float] = field(default_factory=dict)
    session_genres: frozenset[str] = frozenset()

    def score(self, slugs: tuple[str, ...] | list[str]) -> float:
        """Mean affinity of a title's genres (0 for a title without genres)."""
        if not slugs:
            return 0.0
        return sum(self.genres.get(slug, 0.0) for slug in slugs) / len(slugs)

    def session_boost(self, slugs: tuple[str, ...] | list[str]) -> float:
        return 1.0 if self.session_genres.intersection(slugs) else 0.0


class FeatureReader(Protocol):
    """The part of ``features.online.OnlineFeatures`` taste needs."""

    def profile_batch(self, profile_id: int) -> dict[str, Any] | None: ...

    def realtime(self, profile_id: int) -> dict[str, Any]: ...


class TasteSource:
    """Taste per profile, cached in process for ``ttl_s`` (it changes at session pace)."""

    def __init__(
        self,
        *,
        db: Database,
        features: FeatureReader | None = None,
        ttl_s: float = 30.0,
        max_profiles: int = 50_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._features = features
        self._ttl = ttl_s
        self._max = max_profiles
        self._now = monotonic
        self._cache: OrderedDict[int, tuple[float, Taste]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, profile_id: int) -> Taste:
        now = self._now()
        with self._lock:
            hit = self._cache.get(profile_id)
            if hit is not None and hit[0] > now:
                return hit[1]
        taste = self._load(profile_id)
        with self._lock:
            self._cache[profile_id] = (now + self._ttl, taste)
            self._cache.move_to_end(profile_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return taste

    def forget(self, profile_id: int) -> None:
        with self._lock:
            self._cache.pop(profile_id, None)

    def _load(self, profile_id: int) -> Taste:
        batch: Mapping[str, Any] = {}
        session: list[str] = []
        if self._features is not None:
            try:
                batch = self._features.profile_batch(profile_id) or {}
                session = list(self._features.realtime(profile_id).get("session_genres") or [])
            except Exception:
                batch, session = {}, []
        raw = batch.get("genre_affinity")
        affinity = dict(raw) if isinstance(raw, Mapping) and raw else self.history(profile_id)
        return Taste(scaled(affinity), frozenset(session))

    def history(self, profile_id: int) -> dict[str, float]:
        """Positive interactions per genre slug from the database."""
        liked = (
            (Interaction.kind == "thumbs_up")
            | ((Interaction.kind == "rate") & (Interaction.value >= _POSITIVE_RATING))
            | ((Interaction.kind == "play") & (Interaction.value >= _POSITIVE_COMPLETION))
        )
        query = (
            select(Genre.slug, func.count())
            .select_from(Interaction)
            .join(TitleGenre, TitleGenre.title_id == Interaction.title_id)
            .join(Genre, Genre.id == TitleGenre.genre_id)
            .where(Interaction.profile_id == profile_id, liked)
            .group_by(Genre.slug)
        )
        with self._db.session() as s:
            return {slug: float(n) for slug, n in s.execute(query)}


def scaled(affinity: Mapping[str, Any]) -> dict[str, float]:
    """Positive weights divided by the largest, so the favourite genre scores 1."""
    positive = {str(k): float(v) for k, v in affinity.items() if float(v) > 0}
    top = max(positive.values(), default=0.0)
    return {k: v / top for k, v in positive.items()} if top else {}
