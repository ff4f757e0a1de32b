"""The catalog: titles, seasons, episodes, and generated posters."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from marquee.api.deps import CatalogDep, ProducerPrincipal
from marquee.api.schemas.catalog import (
    MAX_ID,
    EpisodeCreate,
    EpisodeUpdate,
    SeasonCreate,
    TitleCreate,
    TitleQuery,
    TitleUpdate,
)
from marquee.api.schemas.catalog_public import (
    EpisodePublic,
    SeasonPublic,
    TitleDetailPublic,
    TitlesPublic,
)

router = APIRouter(prefix="/titles", tags=["titles"])

TitleId = Annotated[int, Path(ge=1, le=MAX_ID)]
SeasonNumber = Annotated[int, Path(ge=0, le=1000)]
EpisodeNumber = Annotated[int, Path(ge=0, le=10_000)]
POSTER_CACHE = "public, max-age=86400"


@router.get("")
def list_titles(query: Annotated[TitleQuery, Query()], catalog: CatalogDep) -> TitlesPublic:
    """Browse the catalog (no account needed); ``count`` is the total across pages."""
    rows, count = catalog.list_titles(**query.model_dump())
    return TitlesPublic.from_page(rows, count)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_title(body: TitleCreate, _: ProducerPrincipal, catalog: CatalogDep) -> TitleDetailPublic:
    """Add a title (producers and admins). Unknown genre names become new genres."""
    title = catalog.create_title(kind=body.kind, name=body.name, **body.fields())
    return TitleDetailPublic.from_row(title)


@router.get("/{title_id}")
def get_title(title_id: TitleId, catalog: CatalogDep) -> TitleDetailPublic:
    return TitleDetailPublic.from_row(catalog.get_title(title_id=title_id))


@router.patch("/{title_id}")
def update_title(
    title_id: TitleId, body: TitleUpdate, _: ProducerPrincipal, catalog: CatalogDep
) -> TitleDetailPublic:
    """Change the fields sent; a list sent (genres, credits, tags...) replaces the old one."""
    return TitleDetailPublic.from_row(catalog.update_title(title_id=title_id, **body.changes()))


@router.delete("/{title_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_title(title_id: TitleId, _: ProducerPrincipal, catalog: CatalogDep) -> None:
    catalog.delete_title(title_id=title_id)


@router.get(
    "/{title_id}/poster.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "An SVG poster"},
        304: {"description": "The poster named by If-None-Match is still current"},
    },
)
def get_poster(
    title_id: TitleId,
    catalog: CatalogDep,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """A generated poster (deterministic, so cacheable by its strong ETag)."""
    svg = catalog.poster(title_id=title_id).encode()
    etag = f'"{hashlib.sha256(svg).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": POSTER_CACHE}
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@router.post("/{title_id}/seasons", status_code=status.HTTP_201_CREATED)
def add_season(
    title_id: TitleId, body: SeasonCreate, _: ProducerPrincipal, catalog: CatalogDep
) -> SeasonPublic:
    """Add a season to a series or documentary (producers and admins)."""
    season = catalog.add_season(title_id=title_id, number=body.number, name=body.name)
    return SeasonPublic.from_row(season)


@router.delete("/{title_id}/seasons/{number}", status_code=status.HTTP_204_NO_CONTENT)
def delete_season(
    title_id: TitleId, number: SeasonNumber, _: ProducerPrincipal, catalog: CatalogDep
) -> None:
    """Remove a season and its episodes."""
    catalog.delete_season(title_id=title_id, number=number)


@router.post("/{title_id}/seasons/{number}/episodes", status_code=status.HTTP_201_CREATED)
def add_episode(
    title_id: TitleId,
    number: SeasonNumber,
    body: EpisodeCreate,
    _: ProducerPrincipal,
    catalog: CatalogDep,
) -> EpisodePublic:
    episode = catalog.add_episode(
        title_id=title_id,
        season_number=number,
        number=body.number,
        name=body.name,
        description=body.description,
        runtime_minutes=body.runtime_minutes,
        release_date=body.release_date,
    )
    return EpisodePublic.from_row(episode)


@router.patch("/{title_id}/seasons/{number}/episodes/{episode_number}")
def update_episode(
    title_id: TitleId,
    number: SeasonNumber,
    episode_number: EpisodeNumber,
    body: EpisodeUpdate,
    _: ProducerPrincipal,
    catalog: CatalogDep,
) -> EpisodePublic:
    episode = catalog.update_episode(
        title_id=title_id, season_number=number, episode_number=episode_number, **body.changes()
    )
    return EpisodePublic.from_row(episode)


@router.delete(
    "/{title_id}/seasons/{number}/episodes/{episode_number}",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_episode(
    title_id: TitleId,
    number: SeasonNumber,
    episode_number: EpisodeNumber,
    _: ProducerPrincipal,
    catalog: CatalogDep,
) -> None:
    catalog.delete_episode(title_id=title_id, season_number=number, episode_number=episode_number)
