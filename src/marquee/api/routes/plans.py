"""Plans and their entitlements: public to read, admins edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from marquee.api.deps import AdminPrincipal, PlansDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.billing import (
    PlanCodePath,
    PlanCreate,
    PlanPublic,
    PlansPublic,
    PlanUpdate,
)

router = APIRouter(prefix="/plans", tags=["plans"])


@router.get("", summary="The plans on offer (no authentication needed)")
def list_plans(
    plans: PlansDep,
    include_inactive: Annotated[
        bool, Query(description="Also list plans no longer offered.")
    ] = False,
) -> PlansPublic:
    offered = plans.list_plans(include_inactive=include_inactive)
    return PlansPublic(data=[PlanPublic.model_validate(p) for p in offered], count=len(offered))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a plan (admins)",
    responses={
        409: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "The code is taken"}
    },
)
def create_plan(body: PlanCreate, _admin: AdminPrincipal, plans: PlansDep) -> PlanPublic:
    return PlanPublic.model_validate(plans.create_plan(**body.model_dump()))


@router.patch("/{code}", summary="Change a plan (admins); a new price applies at each renewal")
def update_plan(
    code: PlanCodePath, body: PlanUpdate, _admin: AdminPrincipal, plans: PlansDep
) -> PlanPublic:
    return PlanPublic.model_validate(plans.update_plan(code=code, **body.model_dump()))
