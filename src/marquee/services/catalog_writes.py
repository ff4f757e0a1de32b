"""Applying title fields to a row inside a unit of work: checks, genre and person resolution.

Errors name the request field (``body.credits.2.person_id``) so the API can point at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.domain import catalog as rules
from marquee.domain import locales
from marquee.domain.catalog import CreditRole, TitleKind
from marquee.domain.maturity import level_of
from marquee.errors import Conflict, InvalidInput
from marquee.storage.db.tables import (
    Credit,
    Genre,
    Person,
    Title,
    TitleAvailability,
    TitleLanguage,
    TitleTag,
)

T = TypeVar("T")


@dataclass(frozen=True)
class CreditSpec:
    """A credit by existing ``person_id`` or by ``person_name`` (a new person)."""

    role: CreditRole
    person_id: int | None = None
    person_name: str | None = None
    character: str | None = None


@dataclass(frozen=True)
class WindowSpec:
    """Availability in one country, optionally limited to [starts_at, ends_at)."""

    country: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class TitleFields(TypedDict, total=False):
    description: str
    release_date: date | None
    year: int | None
    runtime_minutes: int | None
    maturity_rating: str
    downloadable: bool
    imdb_id: str | None
    tmdb_id: str | None
    artwork_key: str | None
    external_ref: str | None
    genres: Sequence[str]
    credits: Sequence[CreditSpec]
    tags: Sequence[str]
    languages: Sequence[str]
    availability: Sequence[WindowSpec]


class TitleChanges(TitleFields, total=False):
    kind: TitleKind
    name: str


_PLAIN = ("name", "description", "downloadable", "imdb_id", "tmdb_id", "artwork_key")


def checked(field_name: str, check: Callable[[T], T], value: T) -> T:
    """Run a domain check, turning its ValueError into a 422 naming ``field_name``."""
    try:
        return check(value)
    except ValueError as exc:
        raise InvalidInput.on(field_name, str(exc)) from None


@contextmanager
def conflict_on_duplicate(message: str) -> Iterator[None]:
    """A unique constraint hit by a concurrent writer is a 409, not a 500."""
    try:
        yield
    except IntegrityError:
        raise Conflict(message) from None


def apply_changes(s: Session, title: Title, changes: TitleChanges, *, now: datetime) -> None:
    """Validate ``changes`` and write them onto ``title`` (new or loaded with its collections)."""
    _apply_scalars(title, changes, now=now)
    if "external_ref" in changes and changes["external_ref"] != title.external_ref:
        _ensure_free_ref(s, changes["external_ref"])
        title.external_ref = changes["external_ref"]
    if "genres" in changes:
        title.genres = resolve_genres(s, changes["genres"])
    replacements: list[tuple[str, Callable[[], list[object]]]] = []
    if "credits" in changes:
        replacements.append(("credits", lambda: list(_credits(s, changes["credits"]))))
    if "tags" in changes:
        replacements.append(("tags", lambda: list(_tags(changes["tags"]))))
    if "languages" in changes:
        replacements.append(("languages", lambda: list(_languages(changes["languages"]))))
    if "availability" in changes:
        replacements.append(("availability", lambda: list(_windows(changes["availability"]))))
    for attribute, build in replacements:
        new_rows = build()  # validate before touching the old rows
        getattr(title, attribute).clear()
        # Deletes must reach the database before inserts that reuse the same unique keys.
        s.flush()
        getattr(title, attribute).extend(new_rows)


def _apply_scalars(title: Title, changes: TitleChanges, *, now: datetime) -> None:
    if "kind" in changes:
        if changes["kind"] is TitleKind.MOVIE and title.id is not None and title.seasons:
            raise InvalidInput.on("body.kind", "a title with seasons cannot be a movie")
        title.kind = changes["kind"].value
    for name in _PLAIN:
        if name in changes:
            setattr(title, name, changes[name])  # type: ignore[literal-required]
    if "maturity_rating" in changes:
        rating = checked("body.maturity_rating", rules.check_rating, changes["maturity_rating"])
        title.maturity_rating, title.maturity_level = rating, level_of(rating)
    runtime = changes.get("runtime_minutes")
    if runtime is not None:
        checked("body.runtime_minutes", rules.check_runtime, runtime)
    if "runtime_minutes" in changes:
        title.runtime_minutes = changes["runtime_minutes"]
    _apply_dates(title, changes, now=now)


def _apply_dates(title: Title, changes: TitleChanges, *, now: datetime) -> None:
    release = changes.get("release_date")
    if release is not None:
        checked("body.release_date", lambda y: rules.check_year(y, now=now), release.year)
    if "release_date" in changes:
        title.release_date = release
    if "year" in changes:
        year = changes["year"]
        if year is not None:
            checked("body.year", lambda y: rules.check_year(y, now=now), year)
        title.year = year
    elif release is not None:
        title.year = release.year
    if title.release_date and title.year and title.release_date.year != title.year:
        raise InvalidInput.on("body.year", "must match the year of release_date")


def _ensure_free_ref(s: Session, ref: str | None) -> None:
    if ref is not None and s.scalar(select(Title.id).where(Title.external_ref == ref)):
        raise Conflict(f"a title with external_ref {ref!r} already exists")


def resolve_genres(s: Session, names: Sequence[str]) -> list[Genre]:
    """Genres by slug or name; names not yet known become new genres."""
    wanted: dict[str, str] = {}
    for i, name in enumerate(names):
        wanted.setdefault(checked(f"body.genres.{i}", rules.slugify, name), name.strip())
    found = {g.slug: g for g in s.scalars(select(Genre).where(Genre.slug.in_(wanted)))}
    for slug, name in wanted.items():
        if slug not in found:
            label = name.replace("-", " ").title() if name == slug else name
            label = label[:64]  # title-casing can lengthen text ("ß" → "Ss")
            found[slug] = Genre(slug=slug, name=label)
            s.add(found[slug])
    return [found[slug] for slug in wanted]


def _credits(s: Session, specs: Sequence[CreditSpec]) -> Iterator[Credit]:
    ids = {spec.person_id for spec in specs if spec.person_id is not None}
    people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(ids)))}
    new_people: dict[str, Person] = {}
    seen: set[tuple[int | str, str]] = set()
    for i, spec in enumerate(specs):
        field = f"body.credits.{i}"
        if (spec.person_id is None) == (spec.person_name is None):
            raise InvalidInput.on(field, "give exactly one of person_id and person_name")
        if spec.person_id is not None:
            if spec.person_id not in people:
                raise InvalidInput.on(f"{field}.person_id", "no such person")
            person = people[spec.person_id]
        else:
            assert spec.person_name is not None
            person = new_people.setdefault(spec.person_name, Person(name=spec.person_name))
        key = (spec.person_id or f"new:{spec.person_name}", spec.role.value)
        if key in seen:
            raise InvalidInput.on(field, "this person already has this role on the title")
        seen.add(key)
        yield Credit(person=person, role=spec.role.value, character=spec.character, position=i)


def _tags(tags: Sequence[str]) -> Iterator[TitleTag]:
    clean = [checked(f"body.tags.{i}", rules.normalise_tag, t) for i, t in enumerate(tags)]
    for tag in rules.unique(clean):
        yield TitleTag(tag=tag, weight=1)


def _languages(tags: Sequence[str]) -> Iterator[TitleLanguage]:
    clean = [
        checked(f"body.languages.{i}", locales.normalise_language, t) for i, t in enumerate(tags)
    ]
    for language in rules.unique(clean):
        yield TitleLanguage(language=language)


def _windows(specs: Sequence[WindowSpec]) -> Iterator[TitleAvailability]:
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        field = f"body.availability.{i}"
        country = checked(f"{field}.country", locales.normalise_country, spec.country)
        if country in seen:
            raise InvalidInput.on(f"{field}.country", "country listed twice")
        seen.add(country)
        try:
            rules.check_window(spec.starts_at, spec.ends_at)
        except ValueError as exc:
            raise InvalidInput.on(field, str(exc)) from None
        yield TitleAvailability(country=country, starts_at=spec.starts_at, ends_at=spec.ends_at)
