"""Read-side SQL for the catalog: title filters (playable ones too) and ordering, genre counts,
people's credits.

Every listing is one filtered query plus a count, with collections loaded by ``selectinload``
(one extra query per collection, never one per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, exists, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from marquee.domain.catalog import TitleKind
from marquee.storage.db.tables import (
    Credit,
    Genre,
    MediaAsset,
    Person,
    Season,
    Title,
    TitleAvailability,
    TitleGenre,
    TitleLanguage,
)

TitleSort = Literal["name", "-year", "year", "-created"]


@dataclass(frozen=True)
class TitleFilters:
    """What a listing narrows by; ``None`` means no constraint. Values are already normalised."""

    genre: str | None = None  # slug
    kind: TitleKind | None = None
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    language: str | None = None  # "pt" also matches "pt-BR"
    country: str | None = None  # available there now
    max_maturity_level: int | None = None
    playable: bool = False  # only titles with a ready rendition set (of the film or an episode)


@dataclass(frozen=True)
class GenreCount:
    id: int
    slug: str
    name: str
    title_count: int


@dataclass(frozen=True)
class PersonCredit:
    title_id: int
    title_name: str
    kind: str
    year: int | None
    role: str
    character: str | None


@dataclass(frozen=True)
class PersonDetail:
    id: int
    name: str
    credits: list[PersonCredit]


def detail_options() -> list[LoaderOption]:
    """Everything a title's detail page shows."""
    return [
        selectinload(Title.genres),
        selectinload(Title.credits),
        selectinload(Title.tags),
        selectinload(Title.languages),
        selectinload(Title.availability),
        selectinload(Title.seasons).selectinload(Season.episodes),
    ]


def summary_options() -> list[LoaderOption]:
    return [selectinload(Title.genres), selectinload(Title.languages)]


def _conditions(f: TitleFilters, now: datetime) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.genre is not None:
        conds.append(
            exists()
            .where(TitleGenre.title_id == Title.id)
            .where(TitleGenre.genre_id == Genre.id, Genre.slug == f.genre)
        )
    if f.kind is not None:
        conds.append(Title.kind == f.kind.value)
    if f.year is not None:
        conds.append(Title.year == f.year)
    if f.year_from is not None:
        conds.append(Title.year >= f.year_from)
    if f.year_to is not None:
        conds.append(Title.year <= f.year_to)
    if f.language is not None:
        conds.append(
            exists().where(
                TitleLanguage.title_id == Title.id,
                or_(
                    TitleLanguage.language == f.language,
                    TitleLanguage.language.startswith(f"{f.language}-", autoescape=True),
                ),
            )
        )
    if f.country is not None:
        conds.append(_available_in(f.country, now))
    if f.max_maturity_level is not None:
        conds.append(Title.maturity_level <= f.max_maturity_level)
    if f.playable:
        conds.append(
            exists().where(
                MediaAsset.title_id == Title.id,
                MediaAsset.status == "ready",
                MediaAsset.manifest.is_not(None),
            )
        )
    return conds


def _available_in(country: str, now: datetime) -> ColumnElement[bool]:
    """The SQL twin of ``domain.catalog.is_available``."""
    any_window = exists().where(TitleAvailability.title_id == Title.id)
    open_window = exists().where(
        TitleAvailability.title_id == Title.id,
        TitleAvailability.country == country,
        or_(TitleAvailability.starts_at.is_(None), TitleAvailability.starts_at <= now),
        or_(TitleAvailability.ends_at.is_(None), TitleAvailability.ends_at > now),
    )
    return or_(not_(any_window), open_window)


_ORDERINGS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "name": (func.lower(Title.name).asc(), Title.id.asc()),
    "year": (Title.year.asc().nulls_last(), Title.id.asc()),
    "-year": (Title.year.desc().nulls_last(), Title.id.asc()),
    "-created": (Title.created_at.desc(), Title.id.desc()),
}


def list_titles(
    s: Session, f: TitleFilters, *, now: datetime, sort: TitleSort, limit: int, offset: int
) -> tuple[list[Title], int]:
    where = _conditions(f, now)
    total = s.scalar(select(func.count()).select_from(Title).where(*where)) or 0
    rows = s.scalars(
        select(Title)
        .where(*where)
        .order_by(*_ORDERINGS[sort])
        .limit(limit)
        .offset(offset)
        .options(*summary_options())
    )
    return list(rows), total


def genre_counts(s: Session) -> list[GenreCount]:
    rows = s.execute(
        select(Genre.id, Genre.slug, Genre.name, func.count(TitleGenre.title_id))
        .outerjoin(TitleGenre, TitleGenre.genre_id == Genre.id)
        .group_by(Genre.id, Genre.slug, Genre.name)
        .order_by(Genre.name, Genre.id)
    )
    return [GenreCount(id, slug, name, count) for id, slug, name, count in rows]


def search_people(
    s: Session, q: str | None, *, limit: int, offset: int
) -> tuple[list[Person], int]:
    where = [Person.name.icontains(q, autoescape=True)] if q else []
    total = s.scalar(select(func.count()).select_from(Person).where(*where)) or 0
    rows = s.scalars(
        select(Person).where(*where).order_by(Person.name, Person.id).limit(limit).offset(offset)
    )
    return list(rows), total


def person_detail(s: Session, person: Person) -> PersonDetail:
    rows = s.execute(
        select(Title.id, Title.name, Title.kind, Title.year, Credit.role, Credit.character)
        .join(Credit, Credit.title_id == Title.id)
        .where(Credit.person_id == person.id)
        .order_by(Title.year.desc().nulls_last(), Title.id, Credit.role)
    )
    credits = [PersonCredit(*row) for row in rows]
    return PersonDetail(id=person.id, name=person.name, credits=credits)
