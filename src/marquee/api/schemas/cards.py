"""Title cards as rows and result lists show them (shared by home, search, similar, My List)."""

from __future__ import annotations

from marquee.api.schemas.base import PublicModel
from marquee.api.schemas.catalog_public import poster_url
from marquee.domain.catalog import TitleKind
from marquee.services.title_cards import TitleCard


class TitleCardPublic(PublicModel):
    id: int
    name: str
    kind: TitleKind
    year: int | None
    maturity_rating: str
    maturity_level: int
    genres: list[str]
    runtime_minutes: int | None
    poster_url: str

    @classmethod
    def of(cls, card: TitleCard) -> TitleCardPublic:
        return cls(
            id=card.id,
            name=card.name,
            kind=TitleKind(card.kind),
            year=card.year,
            maturity_rating=card.maturity_rating,
            maturity_level=card.maturity_level,
            genres=list(card.genres),
            runtime_minutes=card.runtime_minutes,
            poster_url=poster_url(card.id, card.artwork_key),
        )
