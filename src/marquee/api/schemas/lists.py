"""My List responses."""

from __future__ import annotations

from marquee.api.schemas.base import PublicModel
from marquee.api.schemas.cards import TitleCardPublic
from marquee.services.title_cards import TitleCard


class MyListPublic(PublicModel):
    data: list[TitleCardPublic]
    count: int

    @classmethod
    def of(cls, cards: list[TitleCard]) -> MyListPublic:
        return cls(data=[TitleCardPublic.of(c) for c in cards], count=len(cards))
