"""People and their credits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from marquee.api.deps import CatalogDep, ProducerPrincipal
from marquee.api.schemas.catalog import MAX_ID, PeopleQuery, PersonCreate
from marquee.api.schemas.catalog_public import PeoplePublic, PersonDetailPublic, PersonPublic

router = APIRouter(prefix="/people", tags=["people"])


@router.get("")
def list_people(query: Annotated[PeopleQuery, Query()], catalog: CatalogDep) -> PeoplePublic:
    """People by name; ``q`` keeps those whose name contains it (case-insensitive)."""
    rows, count = catalog.list_people(q=query.q, limit=query.limit, offset=query.offset)
    return PeoplePublic.from_page(rows, count)


@router.get("/{person_id}")
def get_person(
    person_id: Annotated[int, Path(ge=1, le=MAX_ID)], catalog: CatalogDep
) -> PersonDetailPublic:
    """A person with every credit, newest title first."""
    return PersonDetailPublic.from_detail(catalog.get_person(person_id=person_id))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_person(body: PersonCreate, _: ProducerPrincipal, catalog: CatalogDep) -> PersonPublic:
    return PersonPublic.model_validate(catalog.create_person(name=body.name))
