"""Homepage, More Like This and onboarding: requests and responses."""

from __future__ import annotations

import weakref
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import orjson
from pydantic import Field

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.api.schemas.cards import TitleCardPublic
from marquee.api.schemas.catalog import MAX_ID
from marquee.recs.coldstart import MAX_PICKS
from marquee.recs.served import HomePage, ServedItem, ServedRow
from marquee.services.title_cards import TitleCard

GenreSlug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class RowItemPublic(PublicModel):
    title: TitleCardPublic
    explanation: str  # why it is here: "Because you watched Heat", "Popular in Spain", ...

    @classmethod
    def of(cls, item: ServedItem) -> RowItemPublic:
        return cls(title=TitleCardPublic.of(item.card), explanation=item.reason)


class RowPublic(PublicModel):
    key: str  # stable per kind: continue-watching, top-picks, because-12, genre-drama, ...
    title: str
    items: list[RowItemPublic]

    @classmethod
    def of(cls, row: ServedRow) -> RowPublic:
        return cls(key=row.key, title=row.title, items=[RowItemPublic.of(i) for i in row.items])


class HomePublic(PublicModel):
    profile_id: int
    variant: str  # the experiment variant the profile is assigned to
    config: str  # the serving configuration that variant selects
    source: str  # precomputed | coldstart | segment | global | editorial
    model_version: str | None
    generated_at: datetime | None
    rows: list[RowPublic]

    @classmethod
    def of(cls, page: HomePage) -> HomePublic:
        return cls(
            profile_id=page.profile_id,
            variant=page.variant,
            config=page.config,
            source=page.level,
            model_version=page.model_version,
            generated_at=page.generated_at,
            rows=[RowPublic.of(r) for r in page.rows],
        )


@lru_cache(maxsize=50_000)
def _card_json(card: TitleCard) -> dict[str, Any]:
    # Cards are frozen and change identity when reloaded, so caching by value is safe.
    return TitleCardPublic.of(card).model_dump(mode="json")


# The serving layer reuses one page object for a second or so (``recs.live_ttl_s``): its bytes
# are kept while the page lives, keyed by identity (a weak reference drops them with it).
_ENCODED: dict[int, tuple[weakref.ref[HomePage], bytes]] = {}


def home_json(page: HomePage) -> bytes:
    """``HomePublic.of(page)`` as JSON bytes, encoded once per page object."""
    key = id(page)
    hit = _ENCODED.get(key)
    if hit is not None and hit[0]() is page:
        return hit[1]
    encoded = _encode(page)
    _ENCODED[key] = (weakref.ref(page, lambda _: _ENCODED.pop(key, None)), encoded)
    return encoded


def _encode(page: HomePage) -> bytes:
    """Built from cached card dicts: the page's few hundred cards repeat across requests, so
    this is several times faster than validating the model."""
    return orjson.dumps(
        {
            "profile_id": page.profile_id,
            "variant": page.variant,
            "config": page.config,
            "source": page.level,
            "model_version": page.model_version,
            "generated_at": page.generated_at,
            "rows": [
                {
                    "key": row.key,
                    "title": row.title,
                    "items": [
                        {"title": _card_json(i.card), "explanation": i.reason} for i in row.items
                    ],
                }
                for row in page.rows
            ],
        },
        option=orjson.OPT_UTC_Z,  # the same "Z" suffix pydantic writes
    )


class SimilarPublic(PublicModel):
    title_id: int
    data: list[RowItemPublic]
    count: int

    @classmethod
    def of(cls, title_id: int, items: list[ServedItem]) -> SimilarPublic:
        data = [RowItemPublic.of(i) for i in items]
        return cls(title_id=title_id, data=data, count=len(data))


class OnboardingChoices(PublicModel):
    data: list[TitleCardPublic]
    count: int
    min_picks: int
    max_picks: int

    @classmethod
    def of(cls, cards: list[TitleCard], *, min_picks: int, max_picks: int) -> OnboardingChoices:
        data = [TitleCardPublic.of(c) for c in cards]
        return cls(data=data, count=len(data), min_picks=min_picks, max_picks=max_picks)


class OnboardingPicks(RequestModel):
    """At least three titles or genres in all (titles and genres may be mixed)."""

    title_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=MAX_PICKS
    )
    genres: list[GenreSlug] = Field(default_factory=list, max_length=MAX_PICKS)


class OnboardingSaved(PublicModel):
    title_ids: list[int]
    genres: list[str]
