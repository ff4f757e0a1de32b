"""Genres."""

from __future__ import annotations

from fastapi import APIRouter, status

from marquee.api.deps import CatalogDep, ProducerPrincipal
from marquee.api.schemas.catalog import GenreCreate
from marquee.api.schemas.catalog_public import GenreCountPublic, GenresPublic

router = APIRouter(prefix="/genres", tags=["genres"])


@router.get("")
def list_genres(catalog: CatalogDep) -> GenresPublic:
    """Every genre, by name, with how many titles carry it."""
    return GenresPublic.from_rows(catalog.list_genres())


@router.post("", status_code=status.HTTP_201_CREATED)
def create_genre(body: GenreCreate, _: ProducerPrincipal, catalog: CatalogDep) -> GenreCountPublic:
    """Add a genre (producers and admins); the slug defaults to one made from the name."""
    return GenreCountPublic.model_validate(catalog.create_genre(name=body.name, slug=body.slug))
