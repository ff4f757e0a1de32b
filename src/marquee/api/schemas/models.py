"""Schemas of the model registry's admin endpoints: versions, their metrics, promotions."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.recs.registry import ModelEntry, ModelHistory, Promotion

ParamValue = int | float | str | bool | None


class ModelVersionPublic(PublicModel):
    name: str
    version: str
    kind: str
    snapshot_id: str
    params: dict[str, ParamValue]
    metrics: dict[str, float]
    created_at: datetime
    artefact_bytes: int
    artefact_sha256: str
    promoted: bool

    @classmethod
    def of(cls, entry: ModelEntry, *, promoted: bool) -> ModelVersionPublic:
        return cls(**asdict(entry), promoted=promoted)


class PromotionPublic(PublicModel):
    name: str
    version: str
    promoted_at: datetime
    previous: str | None
    forced: bool
    regressions: list[str]

    @classmethod
    def of(cls, promotion: Promotion) -> PromotionPublic:
        return cls(**asdict(promotion))


class ModelPublic(PublicModel):
    """A name: its promoted pointer (null before any promotion) and its versions, newest first."""

    name: str
    promoted: PromotionPublic | None
    versions: list[ModelVersionPublic]
    count: int

    @classmethod
    def of(cls, history: ModelHistory) -> ModelPublic:
        pointer = history.promoted
        current = pointer.version if pointer else None
        return cls(
            name=history.name,
            promoted=PromotionPublic.of(pointer) if pointer else None,
            versions=[
                ModelVersionPublic.of(e, promoted=e.version == current) for e in history.versions
            ],
            count=len(history.versions),
        )


class ModelsPublic(PublicModel):
    data: list[ModelPublic]
    count: int


class PromoteRequest(RequestModel):
    """``force`` promotes past a metric regression (an admin override; it is logged)."""

    force: bool = False
