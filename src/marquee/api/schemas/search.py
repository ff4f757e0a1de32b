"""Search requests (query parameters, click reports) and responses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.api.schemas.cards import TitleCardPublic
from marquee.api.schemas.catalog import MAX_ID, Text, Year
from marquee.domain.catalog import TitleKind
from marquee.services.search import MAX_PAGE_END, SearchPage
from marquee.storage.search import Label, SearchFilters

Query = Annotated[Text, Field(min_length=1, max_length=200, examples=["shawshank"])]
SessionId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class SearchQuery(BaseModel):
    """``GET /v1/search``: the text, an optional profile to personalise for, and filters."""

    q: Query
    profile_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    genre: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9-]+$")
    kind: TitleKind | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    max_maturity_level: int = Field(default=18, ge=0, le=18)
    session_id: SessionId | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_PAGE_END)

    def filters(self) -> SearchFilters:
        return SearchFilters(
            genre=self.genre,
            kind=None if self.kind is None else self.kind.value,
            year_from=self.year_from,
            year_to=self.year_to,
            max_maturity_level=self.max_maturity_level,
        )


class SuggestQuery(BaseModel):
    q: Query
    profile_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    limit: int = Field(default=8, ge=1, le=20)


class SearchClick(RequestModel):
    """A search result the viewer opened."""

    profile_id: int = Field(ge=1, le=MAX_ID)
    query: Query
    title_id: int = Field(ge=1, le=MAX_ID)
    position: int = Field(ge=0, le=MAX_PAGE_END)
    session_id: SessionId | None = None


class SearchHitPublic(PublicModel):
    title: TitleCardPublic
    score: float


class SearchResultsPublic(PublicModel):
    query: str
    corrected: str | None = Field(description="The spelling actually searched, when corrected")
    data: list[SearchHitPublic]
    count: int

    @classmethod
    def of(cls, page: SearchPage) -> SearchResultsPublic:
        hits = [
            SearchHitPublic(title=TitleCardPublic.of(r.card), score=r.score) for r in page.results
        ]
        return cls(query=page.query, corrected=page.corrected, data=hits, count=page.count)


class SuggestionPublic(PublicModel):
    kind: Literal["title", "person", "genre"]
    ref: str = Field(description="Title id, person id or genre slug")
    text: str


class SuggestionsPublic(PublicModel):
    data: list[SuggestionPublic]

    @classmethod
    def of(cls, labels: list[Label]) -> SuggestionsPublic:
        return cls(
            data=[SuggestionPublic(kind=lab.kind, ref=lab.ref, text=lab.text) for lab in labels]
        )
