"""Title cards: the little a row or a result list shows of a title, cached in process.

Homepage and search responses hydrate hundreds of titles per request; cards are read in bulk
(three queries for any number of titles) and kept for ``ttl_s`` so a hot page reads none.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from marquee.domain.catalog import is_available
from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, Title, TitleAvailability, TitleGenre

_CHUNK = 900
_CARD_COLUMNS = (
    Title.id, Title.name, Title.kind, Title.year, Title.maturity_rating, Title.maturity_level,
    Title.runtime_minutes, Title.release_date, Title.created_at, Title.artwork_key,
)  # fmt: skip


@dataclass(frozen=True)
class AvailabilityWindow:
    country: str
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class TitleCard:
    id: int
    name: str
    kind: str
    year: int | None
    maturity_rating: str
    maturity_level: int
    genres: tuple[str, ...]  # slugs
    runtime_minutes: int | None
    release_date: date | None
    created_at: datetime
    artwork_key: str | None
    windows: tuple[AvailabilityWindow, ...]

    def available_in(self, country: str, now: datetime) -> bool:
        return is_available(self.windows, country, now)

    def released_on(self) -> datetime | date:
        return self.release_date or self.created_at


class TitleCards:
    """Bulk, cached card lookup; unknown ids are simply absent from the answer."""

    def __init__(
        self,
        db: Database,
        *,
        ttl_s: float = 60.0,
        max_titles: int = 200_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._ttl = ttl_s
        self._max = max_titles
        self._now = monotonic
        self._cache: OrderedDict[int, tuple[float, TitleCard]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, title_ids: Iterable[int]) -> dict[int, TitleCard]:
        ids = list(dict.fromkeys(title_ids))
        now = self._now()
        found: dict[int, TitleCard] = {}
        with self._lock:
            for tid in ids:
                hit = self._cache.get(tid)
                if hit is not None and hit[0] > now:
                    found[tid] = hit[1]
        missing = [tid for tid in ids if tid not in found]
        if missing:
            loaded = self._load(missing)
            found.update(loaded)
            with self._lock:
                for tid, card in loaded.items():
                    self._cache[tid] = (now + self._ttl, card)
                    self._cache.move_to_end(tid)
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        return found

    def forget(self, title_ids: Iterable[int] | None = None) -> None:
        """Drop cached cards (all of them by default), e.g. after the catalog changed."""
        with self._lock:
            if title_ids is None:
                self._cache.clear()
            else:
                for tid in title_ids:
                    self._cache.pop(tid, None)

    def _load(self, ids: list[int]) -> dict[int, TitleCard]:
        out: dict[int, TitleCard] = {}
        with self._db.session() as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                genres: dict[int, list[str]] = defaultdict(list)
                rows = s.execute(
                    select(TitleGenre.title_id, Genre.slug)
                    .join(Genre)
                    .where(TitleGenre.title_id.in_(chunk))
                    .order_by(Genre.slug)
                )
                for tid, slug in rows:
                    genres[tid].append(slug)
                windows: dict[int, list[AvailabilityWindow]] = defaultdict(list)
                for w in s.execute(
                    select(
                        TitleAvailability.title_id,
                        TitleAvailability.country,
                        TitleAvailability.starts_at,
                        TitleAvailability.ends_at,
                    ).where(TitleAvailability.title_id.in_(chunk))
                ):
                    windows[w.title_id].append(
                        AvailabilityWindow(w.country, w.starts_at, w.ends_at)
                    )
                # Columns, not entities: hydration runs on every search, and ORM instances
                # cost more than the rows.
                for t in s.execute(select(*_CARD_COLUMNS).where(Title.id.in_(chunk))):
                    out[t.id] = TitleCard(
                        id=t.id,
                        name=t.name,
                        kind=t.kind,
                        year=t.year,
                        maturity_rating=t.maturity_rating,
                        maturity_level=t.maturity_level,
                        genres=tuple(genres.get(t.id, ())),
                        runtime_minutes=t.runtime_minutes,
                        release_date=t.release_date,
                        created_at=t.created_at,
                        artwork_key=t.artwork_key,
                        windows=tuple(windows.get(t.id, ())),
                    )
        return out
