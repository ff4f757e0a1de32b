"""Title → genres and languages, for the features that need them: a cached database lookup and a
fixed in-memory one, behind one small interface."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import pyarrow as pa
from sqlalchemy import select

from marquee.features.frames import titles_to_arrow
from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, TitleGenre, TitleLanguage


class TitleCatalog(Protocol):
    """What the feature code needs to know about titles."""

    def genres(self, title_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """Genre slugs per title; unknown titles are absent."""
        ...

    def titles_table(self) -> pa.Table:
        """Every title's genres and languages (``frames.TITLES_SCHEMA``), for batch jobs."""
        ...


class FixedTitleCatalog:
    """A catalog given as mappings (tests, benchmarks, offline runs over exported data)."""

    def __init__(
        self,
        genres: Mapping[int, Sequence[str]],
        languages: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        self._genres = {title: tuple(names) for title, names in genres.items()}
        self._languages = dict(languages or {})

    def genres(self, title_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        return {t: self._genres[t] for t in title_ids if t in self._genres}

    def titles_table(self) -> pa.Table:
        return titles_to_arrow(self._genres, self._languages)


class DatabaseTitleCatalog:
    """Reads the catalog tables; genres are cached per title for ``ttl_s`` (genres rarely change
    and the stream processor asks for the same titles all day)."""

    def __init__(
        self,
        db: Database,
        *,
        ttl_s: float = 600.0,
        max_titles: int = 200_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._max = max_titles
        self._now = monotonic
        self._cache: dict[int, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def genres(self, title_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        now = self._now()
        wanted = set(title_ids)
        found: dict[int, tuple[str, ...]] = {}
        with self._lock:
            for title in wanted:
                hit = self._cache.get(title)
                if hit is not None and hit[0] > now:
                    found[title] = hit[1]
        missing = wanted - found.keys()
        if missing:
            loaded = self._load(missing)
            with self._lock:
                if len(self._cache) + len(missing) > self._max:
                    self._cache.clear()  # crude, but bounded; a full reload is one query
                for title in missing:
                    # Unknown titles are cached too (as no genres), so they cost one query.
                    self._cache[title] = (now + self._ttl_s, loaded.get(title, ()))
            found.update((t, loaded[t]) for t in missing if t in loaded)
        return found

    def _load(self, title_ids: set[int]) -> dict[int, tuple[str, ...]]:
        names: dict[int, list[str]] = {}
        ids = sorted(title_ids)
        with self._db.session() as session:
            for start in range(0, len(ids), 500):
                rows = session.execute(
                    select(TitleGenre.title_id, Genre.slug)
                    .join(Genre, Genre.id == TitleGenre.genre_id)
                    .where(TitleGenre.title_id.in_(ids[start : start + 500]))
                )
                for title, slug in rows:
                    names.setdefault(int(title), []).append(str(slug))
        return {title: tuple(sorted(slugs)) for title, slugs in names.items()}

    def titles_table(self) -> pa.Table:
        genres: dict[int, list[str]] = {}
        languages: dict[int, list[str]] = {}
        with self._db.session() as session:
            rows = session.execute(
                select(TitleGenre.title_id, Genre.slug).join(Genre, Genre.id == TitleGenre.genre_id)
            )
            for title, slug in rows:
                genres.setdefault(int(title), []).append(str(slug))
            for title, language in session.execute(
                select(TitleLanguage.title_id, TitleLanguage.language)
            ):
                languages.setdefault(int(title), []).append(str(language))
        return titles_to_arrow(
            {t: sorted(g) for t, g in genres.items()}, {t: sorted(v) for t, v in languages.items()}
        )
