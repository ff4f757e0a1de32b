"""Admin: the model registry — versions with their offline metrics, and gated promotion."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from marquee.api.deps import AdminPrincipal, ContainerDep
from marquee.api.schemas.models import ModelPublic, ModelsPublic, PromoteRequest, PromotionPublic
from marquee.recs.registry import NAME, VERSION, ModelRegistry

router = APIRouter(prefix="/admin/models", tags=["models"])
log = logging.getLogger(__name__)


def get_registry(container: ContainerDep) -> ModelRegistry:
    return container.registry


RegistryDep = Annotated[ModelRegistry, Depends(get_registry)]
Name = Annotated[str, Path(pattern=NAME.pattern, description="Model name, e.g. top-picks.")]
Version = Annotated[str, Path(pattern=VERSION.pattern, description="A registered version.")]


@router.get("", summary="Every registered model with its versions and promoted one (admins only)")
def list_models(*, _: AdminPrincipal, registry: RegistryDep) -> ModelsPublic:
    data = [ModelPublic.of(h) for h in registry.histories()]
    return ModelsPublic(data=data, count=len(data))


@router.get("/{name}", summary="A model's versions, newest first, and its promoted one")
def get_model(*, _: AdminPrincipal, registry: RegistryDep, name: Name) -> ModelPublic:
    return ModelPublic.of(registry.history(name))


@router.post(
    "/{name}/{version}/promote",
    summary="Serve this version; 409 when an offline metric regressed (unless force)",
)
def promote(
    *,
    admin: AdminPrincipal,
    registry: RegistryDep,
    name: Name,
    version: Version,
    body: PromoteRequest | None = None,
) -> PromotionPublic:
    force = body.force if body is not None else False
    if force:
        log.warning("account %s forces the promotion of %s %s", admin.account_id, name, version)
    return PromotionPublic.of(registry.promote(name, version, force=force))
