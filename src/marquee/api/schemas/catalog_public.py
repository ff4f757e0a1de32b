"""Response models of the catalog: titles with their parts, genres with counts, people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from marquee.api.schemas.base import PublicModel
from marquee.domain.catalog import CreditRole, TitleKind
from marquee.services.catalog_queries import GenreCount, PersonDetail
from marquee.storage.db.tables import Episode, Person, Season, Title


def poster_url(title_id: int, artwork_key: str | None) -> str:
    """Artwork given as a URL is used as is; any other title gets its generated poster."""
    if artwork_key and artwork_key.startswith(("https://", "http://", "/")):
        return artwork_key
    return f"/v1/titles/{title_id}/poster.svg"


class GenrePublic(PublicModel):
    id: int
    slug: str
    name: str


class GenreCountPublic(GenrePublic):
    title_count: int


class GenresPublic(PublicModel):
    data: list[GenreCountPublic]
    count: int

    @classmethod
    def from_rows(cls, rows: list[GenreCount]) -> GenresPublic:
        return cls(data=[GenreCountPublic.model_validate(g) for g in rows], count=len(rows))


class PersonPublic(PublicModel):
    id: int
    name: str


class PeoplePublic(PublicModel):
    data: list[PersonPublic]
    count: int

    @classmethod
    def from_page(cls, rows: list[Person], count: int) -> PeoplePublic:
        return cls(data=[PersonPublic.model_validate(p) for p in rows], count=count)


class PersonCreditPublic(PublicModel):
    title_id: int
    title_name: str
    kind: TitleKind
    year: int | None
    role: CreditRole
    character: str | None


class PersonDetailPublic(PersonPublic):
    credits: list[PersonCreditPublic]

    @classmethod
    def from_detail(cls, detail: PersonDetail) -> PersonDetailPublic:
        return cls.model_validate(detail)


class CreditPublic(PublicModel):
    person: PersonPublic
    role: CreditRole
    character: str | None


class WindowPublic(PublicModel):
    country: str
    starts_at: datetime | None
    ends_at: datetime | None


class EpisodePublic(PublicModel):
    id: int
    number: int
    name: str
    description: str
    runtime_minutes: int | None
    release_date: date | None

    @classmethod
    def from_row(cls, row: Episode) -> EpisodePublic:
        return cls.model_validate(row)


class SeasonPublic(PublicModel):
    id: int
    number: int
    name: str
    episodes: list[EpisodePublic]

    @classmethod
    def from_row(cls, row: Season) -> SeasonPublic:
        return cls.model_validate(row)


_TITLE_SCALARS = (
    "id",
    "kind",
    "name",
    "description",
    "year",
    "release_date",
    "runtime_minutes",
    "maturity_rating",
    "maturity_level",
)


class TitlePublic(PublicModel):
    id: int
    kind: TitleKind
    name: str
    description: str
    year: int | None
    release_date: date | None
    runtime_minutes: int | None
    maturity_rating: str
    maturity_level: int
    genres: list[GenrePublic]
    languages: list[str]
    poster_url: str = Field(examples=["/v1/titles/42/poster.svg"])

    @classmethod
    def _fields(cls, t: Title) -> dict[str, Any]:
        return {
            **{name: getattr(t, name) for name in _TITLE_SCALARS},
            "genres": [GenrePublic.model_validate(g) for g in t.genres],
            "languages": [lang.language for lang in t.languages],
            "poster_url": poster_url(t.id, t.artwork_key),
        }

    @classmethod
    def from_row(cls, t: Title) -> TitlePublic:
        return cls(**cls._fields(t))


class TitleDetailPublic(TitlePublic):
    downloadable: bool
    imdb_id: str | None
    tmdb_id: str | None
    tags: list[str]
    credits: list[CreditPublic]
    availability: list[WindowPublic]
    seasons: list[SeasonPublic]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, t: Title) -> TitleDetailPublic:
        return cls(
            **cls._fields(t),
            downloadable=t.downloadable,
            imdb_id=t.imdb_id,
            tmdb_id=t.tmdb_id,
            tags=sorted(tag.tag for tag in t.tags),
            credits=[CreditPublic.model_validate(c) for c in t.credits],
            availability=[WindowPublic.model_validate(w) for w in t.availability],
            seasons=[SeasonPublic.model_validate(s) for s in t.seasons],
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


class TitlesPublic(PublicModel):
    data: list[TitlePublic]
    count: int = Field(description="How many titles match, across all pages")

    @classmethod
    def from_page(cls, rows: list[Title], count: int) -> TitlesPublic:
        return cls(data=[TitlePublic.from_row(t) for t in rows], count=count)
