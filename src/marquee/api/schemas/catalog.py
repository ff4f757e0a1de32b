"""Request models of the catalog (titles, seasons, episodes, genres, people) and their checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from marquee.api.schemas.base import RequestModel
from marquee.domain.catalog import (
    FIRST_FILM_YEAR,
    MAX_RUNTIME_MINUTES,
    MAX_TAG_LENGTH,
    CreditRole,
    TitleKind,
    check_rating,
)
from marquee.domain.maturity import RATING_LEVELS
from marquee.services.catalog import (
    CreditSpec,
    EpisodeChanges,
    TitleChanges,
    TitleFields,
    WindowSpec,
)
from marquee.services.catalog_queries import TitleSort

MAX_ID = 2**63 - 1
MAX_OFFSET = 2**31  # beyond any real catalog, within every driver's integer range


def _printable(value: str) -> str:
    """Reject what no database column or XML poster can hold (NUL, other controls, surrogates)."""
    for char in value:
        code = ord(char)
        if (code < 32 and char not in "\n\t") or 0xD800 <= code <= 0xDFFF:
            raise ValueError("must not contain control characters")
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, AfterValidator(_printable)]
Name = Annotated[str, AfterValidator(_printable), AfterValidator(_not_blank)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=FIRST_FILM_YEAR, le=9999)]
Runtime = Annotated[int, Field(ge=1, le=MAX_RUNTIME_MINUTES)]
Rating = Annotated[
    str, AfterValidator(check_rating), Field(json_schema_extra={"enum": list(RATING_LEVELS)})
]


# Requests


class TitleQuery(BaseModel):
    """Filters of ``GET /v1/titles``; each one narrows the result."""

    genre: str | None = Field(default=None, max_length=64, examples=["drama"])
    kind: TitleKind | None = None
    year: Year | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    language: str | None = Field(default=None, max_length=16, examples=["pt-BR"])
    country: str | None = Field(default=None, max_length=2, examples=["BR"])
    max_maturity_level: int | None = Field(default=None, ge=0, le=18)
    playable: bool = Field(default=False, description="Only titles with a ready video.")
    sort: TitleSort = "name"
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class PeopleQuery(BaseModel):
    q: Annotated[Text, Field(max_length=200)] | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class CreditIn(RequestModel):
    """A credit: an existing person by id, or a new person by name."""

    role: CreditRole
    person_id: Id | None = None
    person_name: Annotated[Name, Field(max_length=200)] | None = None
    character: Annotated[Text, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _one_person(self) -> CreditIn:
        if (self.person_id is None) == (self.person_name is None):
            raise ValueError("give exactly one of person_id and person_name")
        return self

    def spec(self) -> CreditSpec:
        return CreditSpec(self.role, self.person_id, self.person_name, self.character)


class WindowIn(RequestModel):
    """Availability in one country; no windows at all means everywhere, always."""

    country: str = Field(min_length=2, max_length=2, examples=["BR"])
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    def spec(self) -> WindowSpec:
        return WindowSpec(self.country, self.starts_at, self.ends_at)


# Fields whose column cannot be empty: an explicit null is refused rather than stored.
_NOT_NULL = frozenset(
    {"kind", "name", "description", "maturity_rating", "downloadable"}
    | {"genres", "credits", "tags", "languages", "availability"}
)

_TITLE_EXAMPLE: dict[str, Any] = {
    "kind": "movie",
    "name": "The Lighthouse Keeper",
    "description": "A keeper and his apprentice weather a storm.",
    "release_date": "2019-10-18",
    "runtime_minutes": 109,
    "maturity_rating": "R",
    "genres": ["drama", "Psychological Horror"],
    "credits": [{"role": "director", "person_name": "Ada Example"}],
    "tags": ["storm", "isolation"],
    "languages": ["en"],
    "availability": [{"country": "US"}, {"country": "BR", "starts_at": "2026-01-01T00:00:00Z"}],
}


class _TitleBody(RequestModel):
    description: Annotated[Text, Field(max_length=10_000)] | None = None
    release_date: date | None = None
    year: Year | None = None
    runtime_minutes: Runtime | None = None
    maturity_rating: Rating | None = None
    downloadable: bool | None = None
    imdb_id: Annotated[str, Field(pattern=r"^tt\d{7,10}$")] | None = None
    tmdb_id: Annotated[str, Field(pattern=r"^\d{1,12}$")] | None = None
    genres: Annotated[list[Annotated[Name, Field(max_length=64)]], Field(max_length=20)] | None = (
        None
    )
    credits: Annotated[list[CreditIn], Field(max_length=300)] | None = None
    tags: (
        Annotated[list[Annotated[Text, Field(max_length=MAX_TAG_LENGTH)]], Field(max_length=100)]
        | None
    ) = None
    languages: (
        Annotated[list[Annotated[str, Field(max_length=16)]], Field(max_length=50)] | None
    ) = None
    availability: Annotated[list[WindowIn], Field(max_length=250)] | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> _TitleBody:
        for name in sorted(self.model_fields_set & _NOT_NULL):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def _changes(self, names: set[str]) -> TitleChanges:
        data: dict[str, Any] = {n: getattr(self, n) for n in names}
        if "credits" in data and self.credits is not None:
            data["credits"] = [c.spec() for c in self.credits]
        if "availability" in data and self.availability is not None:
            data["availability"] = [w.spec() for w in self.availability]
        return cast(TitleChanges, data)


class TitleCreate(_TitleBody):
    model_config = ConfigDict(json_schema_extra={"examples": [_TITLE_EXAMPLE]})

    kind: TitleKind
    name: Annotated[Name, Field(max_length=300)]

    def fields(self) -> TitleFields:
        """The optional fields given, without ``None`` (the service supplies defaults)."""
        given = {n for n in self.model_fields_set if getattr(self, n) is not None}
        return cast(TitleFields, self._changes(given - {"kind", "name"}))


class TitleUpdate(_TitleBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"maturity_rating": "PG-13", "tags": []}]}
    )

    kind: TitleKind | None = None
    name: Annotated[Name, Field(max_length=300)] | None = None

    def changes(self) -> TitleChanges:
        """Only the fields sent; a collection sent replaces the old one."""
        return self._changes(set(self.model_fields_set))


class SeasonCreate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"number": 1, "name": "Season 1"}]})

    number: int = Field(ge=0, le=1000, description="0 holds specials")
    name: Annotated[Text, Field(max_length=200)] = ""


class EpisodeCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"number": 1, "name": "Pilot", "runtime_minutes": 52}]}
    )

    number: int = Field(ge=0, le=10_000)
    name: Annotated[Name, Field(max_length=300)]
    description: Annotated[Text, Field(max_length=10_000)] = ""
    runtime_minutes: Runtime | None = None
    release_date: date | None = None


class EpisodeUpdate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Pilot (extended)"}]})

    number: int | None = Field(default=None, ge=0, le=10_000)
    name: Annotated[Name, Field(max_length=300)] | None = None
    description: Annotated[Text, Field(max_length=10_000)] | None = None
    runtime_minutes: Runtime | None = None
    release_date: date | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> EpisodeUpdate:
        for name in self.model_fields_set & {"number", "name", "description"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> EpisodeChanges:
        return cast(EpisodeChanges, {n: getattr(self, n) for n in self.model_fields_set})


class GenreCreate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Science Fiction"}]})

    name: Annotated[Name, Field(max_length=64)]
    slug: Annotated[Name, Field(max_length=64)] | None = None


class PersonCreate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Ada Example"}]})

    name: Annotated[Name, Field(max_length=200)]
