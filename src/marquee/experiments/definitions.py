"""What an experiment is: variants that each select a named serving configuration, guardrails,
and the draft → running → stopped lifecycle. Pure: validation raises ``InvalidInput`` naming
the field, so the API, the CLI and the web pages report the same reasons."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marquee.errors import InvalidInput

SURFACES = ("home",)
HOLDOUT = "holdout"  # the variant name of the permanent holdout: never a real variant's name
MAX_VARIANTS = 8


class Status(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Variant:
    """One arm: its share of traffic (``weight``, relative) and the serving configuration."""

    name: str
    weight: int
    config: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "config": self.config}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Variant:
        return cls(str(raw["name"]), int(raw["weight"]), str(raw["config"]))


@dataclass(frozen=True)
class Guardrails:
    """Limits the experiment must not cross: share of failed requests, p99 latency."""

    max_error_rate: float = 0.01
    max_p99_ms: float = 250.0


@dataclass(frozen=True)
class Experiment:
    """A stored experiment. The first variant is the control every other one is compared to."""

    key: str
    surface: str
    salt: str
    variants: tuple[Variant, ...]
    description: str = ""
    status: Status = Status.DRAFT
    guardrails: Guardrails = field(default_factory=Guardrails)
    created_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def control(self) -> Variant:
        return self.variants[0]


@dataclass(frozen=True)
class ExperimentDraft:
    """What creating an experiment takes; the salt defaults to the key."""

    key: str
    surface: str
    variants: Sequence[Variant]
    description: str = ""
    salt: str | None = None
    guardrails: Guardrails = field(default_factory=Guardrails)


def validate(draft: ExperimentDraft, configs: Collection[str]) -> None:
    """Raise ``InvalidInput`` on the first field that is wrong (``body.variants.1.config``)."""
    if draft.surface not in SURFACES:
        raise InvalidInput.on("body.surface", f"unknown surface; known: {', '.join(SURFACES)}")
    if not 2 <= len(draft.variants) <= MAX_VARIANTS:
        raise InvalidInput.on("body.variants", f"needs 2 to {MAX_VARIANTS} variants")
    seen: set[str] = set()
    for n, variant in enumerate(draft.variants):
        where = f"body.variants.{n}"
        if variant.name in seen or variant.name == HOLDOUT:
            raise InvalidInput.on(f"{where}.name", f"{variant.name!r} is taken or reserved")
        seen.add(variant.name)
        if variant.weight <= 0:
            raise InvalidInput.on(f"{where}.weight", "must be a positive integer")
        if variant.config not in configs:
            known = ", ".join(sorted(configs))
            raise InvalidInput.on(
                f"{where}.config",
                f"unknown serving configuration {variant.config!r}; known: {known}",
            )
