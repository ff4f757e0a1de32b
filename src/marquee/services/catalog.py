"""The catalog: titles, seasons, episodes, genres, people.

Field checks live in ``domain.catalog``; applying fields in ``catalog_writes``; listings in
``catalog_queries``. Returned rows are detached with the collections their callers show loaded.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.domain import catalog as rules
from marquee.domain import locales
from marquee.domain.catalog import TitleKind
from marquee.errors import Conflict, InvalidInput, NotFound
from marquee.services import catalog_queries as queries
from marquee.services.catalog_queries import (
    GenreCount,
    PersonDetail,
    TitleFilters,
    TitleSort,
)
from marquee.services.catalog_writes import (
    CreditSpec,
    TitleChanges,
    TitleFields,
    WindowSpec,
    apply_changes,
    checked,
    conflict_on_duplicate,
)
from marquee.services.posters import render_poster
from marquee.storage.db import Database
from marquee.storage.db.tables import Episode, Genre, Person, Season, Title

__all__ = [
    "CatalogService",
    "CreditSpec",
    "EpisodeChanges",
    "TitleChanges",
    "TitleFields",
    "TitleFilters",
    "WindowSpec",
]


class EpisodeChanges(TypedDict, total=False):
    number: int
    name: str
    description: str
    runtime_minutes: int | None
    release_date: date | None


class CatalogService:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # Titles

    def create_title(self, *, kind: TitleKind, name: str, **fields: Unpack[TitleFields]) -> Title:
        """A new title; genres, credits, tags, languages and windows in the same unit of work."""
        now = self._clock()
        with conflict_on_duplicate("the title conflicts with another"), self._db.session() as s:
            title = Title(created_at=now, updated_at=now)
            s.add(title)
            changes: TitleChanges = {"kind": kind, "name": name, "maturity_rating": "NR", **fields}
            apply_changes(s, title, changes, now=now)
            s.flush()
            return self._detail(s, title.id)

    def update_title(self, *, title_id: int, **changes: Unpack[TitleChanges]) -> Title:
        """Change only the fields given; a given collection replaces the old one."""
        now = self._clock()
        with conflict_on_duplicate("the title conflicts with another"), self._db.session() as s:
            title = self._detail(s, title_id)
            apply_changes(s, title, changes, now=now)
            title.updated_at = now
            s.flush()
            s.expire(title)
            return self._detail(s, title_id)

    def delete_title(self, *, title_id: int) -> None:
        with self._db.session() as s:
            s.delete(self._title(s, title_id))

    def get_title(self, *, title_id: int) -> Title:
        """The title with genres, credits, tags, languages, windows, seasons and episodes."""
        with self._db.session() as s:
            return self._detail(s, title_id)

    def list_titles(
        self,
        *,
        genre: str | None = None,
        kind: TitleKind | None = None,
        year: int | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        language: str | None = None,
        country: str | None = None,
        max_maturity_level: int | None = None,
        playable: bool = False,
        sort: TitleSort = "name",
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[Title], int]:
        """One page of titles (with genres and languages) and the total matching count;
        ``playable`` keeps only titles with a ready rendition set."""
        filters = TitleFilters(
            genre=checked("query.genre", rules.slugify, genre) if genre else None,
            kind=kind,
            year=year,
            year_from=year_from,
            year_to=year_to,
            language=checked("query.language", locales.normalise_language, language)
            if language
            else None,
            country=checked("query.country", locales.normalise_country, country)
            if country
            else None,
            max_maturity_level=max_maturity_level,
            playable=playable,
        )
        with self._db.session() as s:
            return queries.list_titles(
                s, filters, now=self._clock(), sort=sort, limit=limit, offset=offset
            )

    def poster(self, *, title_id: int) -> str:
        """The generated SVG poster of a title."""
        with self._db.session() as s:
            title = self._title(s, title_id)
            genre = title.genres[0].name if title.genres else None
            return render_poster(title.name, year=title.year, kind=title.kind, genre=genre)

    # Seasons and episodes

    def add_season(self, *, title_id: int, number: int, name: str = "") -> Season:
        with conflict_on_duplicate(f"season {number} already exists"), self._db.session() as s:
            title = self._title(s, title_id)
            if not TitleKind(title.kind).has_seasons():
                raise Conflict("a movie has no seasons; change its kind first")
            if self._find_season(s, title_id, number) is not None:
                raise Conflict(f"season {number} already exists")
            season = Season(title_id=title_id, number=number, name=name, episodes=[])
            s.add(season)
            self._touch(title)
            s.flush()
            return season

    def delete_season(self, *, title_id: int, number: int) -> None:
        with self._db.session() as s:
            s.delete(self._season(s, title_id, number))
            self._touch(self._title(s, title_id))

    def add_episode(
        self,
        *,
        title_id: int,
        season_number: int,
        number: int,
        name: str,
        description: str = "",
        runtime_minutes: int | None = None,
        release_date: date | None = None,
    ) -> Episode:
        with conflict_on_duplicate(f"episode {number} already exists"), self._db.session() as s:
            season = self._season(s, title_id, season_number)
            episode = Episode(season_id=season.id, number=number, name="", description="")
            self._apply_episode(
                s,
                episode,
                {
                    "number": number,
                    "name": name,
                    "description": description,
                    "runtime_minutes": runtime_minutes,
                    "release_date": release_date,
                },
            )
            s.add(episode)
            s.flush()
            return episode

    def update_episode(
        self,
        *,
        title_id: int,
        season_number: int,
        episode_number: int,
        **changes: Unpack[EpisodeChanges],
    ) -> Episode:
        with conflict_on_duplicate("that episode number is taken"), self._db.session() as s:
            episode = self._episode(s, title_id, season_number, episode_number)
            self._apply_episode(s, episode, changes)
            s.flush()
            return episode

    def delete_episode(self, *, title_id: int, season_number: int, episode_number: int) -> None:
        with self._db.session() as s:
            s.delete(self._episode(s, title_id, season_number, episode_number))

    # Genres and people

    def list_genres(self) -> list[GenreCount]:
        """Every genre with how many titles carry it, by name."""
        with self._db.session() as s:
            return queries.genre_counts(s)

    def create_genre(self, *, name: str, slug: str | None = None) -> GenreCount:
        clean = checked("body.slug" if slug else "body.name", rules.slugify, slug or name)
        with conflict_on_duplicate(f"genre {clean!r} already exists"), self._db.session() as s:
            if s.scalar(select(Genre.id).where(Genre.slug == clean)) is not None:
                raise Conflict(f"genre {clean!r} already exists")
            genre = Genre(slug=clean, name=name)
            s.add(genre)
            s.flush()
            return GenreCount(genre.id, genre.slug, genre.name, 0)

    def list_people(
        self, *, q: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[Person], int]:
        """People whose name contains ``q`` (case-insensitive), by name."""
        with self._db.session() as s:
            return queries.search_people(s, q, limit=limit, offset=offset)

    def get_person(self, *, person_id: int) -> PersonDetail:
        with self._db.session() as s:
            person = s.get(Person, person_id)
            if person is None:
                raise NotFound(f"no person {person_id}")
            return queries.person_detail(s, person)

    def create_person(self, *, name: str, external_ref: str | None = None) -> Person:
        with conflict_on_duplicate("that external_ref is taken"), self._db.session() as s:
            if external_ref and s.scalar(
                select(Person.id).where(Person.external_ref == external_ref)
            ):
                raise Conflict(f"a person with external_ref {external_ref!r} already exists")
            person = Person(name=name, external_ref=external_ref)
            s.add(person)
            s.flush()
            return person

    # Internals

    def _title(self, s: Session, title_id: int) -> Title:
        title = s.get(Title, title_id)
        if title is None:
            raise NotFound(f"no title {title_id}")
        return title

    def _detail(self, s: Session, title_id: int) -> Title:
        title = s.scalar(
            select(Title).where(Title.id == title_id).options(*queries.detail_options())
        )
        if title is None:
            raise NotFound(f"no title {title_id}")
        return title

    def _touch(self, title: Title) -> None:
        title.updated_at = self._clock()

    def _find_season(self, s: Session, title_id: int, number: int) -> Season | None:
        return s.scalar(select(Season).where(Season.title_id == title_id, Season.number == number))

    def _season(self, s: Session, title_id: int, number: int) -> Season:
        season = self._find_season(s, title_id, number)
        if season is None:
            self._title(s, title_id)  # a missing title is named before a missing season
            raise NotFound(f"title {title_id} has no season {number}")
        return season

    def _episode(self, s: Session, title_id: int, season_number: int, number: int) -> Episode:
        season = self._season(s, title_id, season_number)
        episode = s.scalar(
            select(Episode).where(Episode.season_id == season.id, Episode.number == number)
        )
        if episode is None:
            raise NotFound(f"season {season_number} has no episode {number}")
        return episode

    def _apply_episode(self, s: Session, episode: Episode, changes: EpisodeChanges) -> None:
        now = self._clock()
        if "number" in changes and changes["number"] != episode.number:
            taken = s.scalar(
                select(Episode.id).where(
                    Episode.season_id == episode.season_id, Episode.number == changes["number"]
                )
            )
            if taken is not None:
                raise Conflict(f"episode {changes['number']} already exists")
            episode.number = changes["number"]
        runtime = changes.get("runtime_minutes")
        if runtime is not None:
            checked("body.runtime_minutes", rules.check_runtime, runtime)
        release = changes.get("release_date")
        if release is not None:
            checked("body.release_date", lambda y: rules.check_year(y, now=now), release.year)
        for field in ("name", "description", "runtime_minutes", "release_date"):
            if field in changes:
                setattr(episode, field, changes[field])
        if not episode.name:
            raise InvalidInput.on("body.name", "must not be blank")
