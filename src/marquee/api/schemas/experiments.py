"""Admin experiments: definitions in, definitions and results out."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from pydantic import Field

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.experiments.analysis import MetricResult
from marquee.experiments.definitions import (
    MAX_VARIANTS,
    Experiment,
    ExperimentDraft,
    Guardrails,
    Variant,
)
from marquee.experiments.guardrails import GuardrailResult
from marquee.experiments.results import Results

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
ExperimentKey = Annotated[str, Field(min_length=2, max_length=64, pattern=KEY_PATTERN)]
VariantName = Annotated[str, Field(min_length=1, max_length=32, pattern=KEY_PATTERN)]


class VariantIn(RequestModel):
    name: VariantName
    weight: int = Field(default=50, ge=1, le=10_000, description="Relative share of traffic.")
    config: str = Field(min_length=1, max_length=32, description="A named serving configuration.")


class GuardrailsIn(RequestModel):
    max_error_rate: float = Field(default=0.01, ge=0, le=1)
    max_p99_ms: float = Field(default=250.0, gt=0, le=60_000)


class ExperimentCreate(RequestModel):
    key: ExperimentKey
    description: str = Field(default="", max_length=500)
    surface: str = Field(default="home", min_length=1, max_length=32)
    salt: str | None = Field(default=None, min_length=1, max_length=64)
    variants: list[VariantIn] = Field(min_length=2, max_length=MAX_VARIANTS)
    guardrails: GuardrailsIn = Field(default_factory=GuardrailsIn)

    def draft(self) -> ExperimentDraft:
        return ExperimentDraft(
            key=self.key,
            surface=self.surface,
            variants=[Variant(v.name, v.weight, v.config) for v in self.variants],
            description=self.description,
            salt=self.salt,
            guardrails=Guardrails(self.guardrails.max_error_rate, self.guardrails.max_p99_ms),
        )


class VariantPublic(PublicModel):
    name: str
    weight: int
    config: str


class GuardrailsPublic(PublicModel):
    max_error_rate: float
    max_p99_ms: float


class ExperimentPublic(PublicModel):
    key: str
    description: str
    surface: str
    salt: str
    status: str  # draft | running | stopped
    variants: list[VariantPublic]
    guardrails: GuardrailsPublic
    created_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None

    @classmethod
    def of(cls, e: Experiment) -> ExperimentPublic:
        return cls(
            key=e.key,
            description=e.description,
            surface=e.surface,
            salt=e.salt,
            status=e.status.value,
            variants=[
                VariantPublic(name=v.name, weight=v.weight, config=v.config) for v in e.variants
            ],
            guardrails=GuardrailsPublic(
                max_error_rate=e.guardrails.max_error_rate, max_p99_ms=e.guardrails.max_p99_ms
            ),
            created_at=e.created_at,
            started_at=e.started_at,
            stopped_at=e.stopped_at,
        )


class ExperimentsPublic(PublicModel):
    data: list[ExperimentPublic]
    count: int


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


class VariantMetricPublic(PublicModel):
    """A variant's value with its 95 % CI; against the control (absent for the control): the
    difference, its fixed-horizon CI, the always-valid confidence sequence and p-value."""

    variant: str
    value: float | None
    low: float | None
    high: float | None
    profiles: int
    diff: float | None = None
    diff_low: float | None = None
    diff_high: float | None = None
    seq_low: float | None = None
    seq_high: float | None = None
    p_value: float | None = None
    significant: bool = False


class MetricPublic(PublicModel):
    name: str
    label: str
    variants: list[VariantMetricPublic]

    @classmethod
    def of(cls, result: MetricResult) -> MetricPublic:
        rows = []
        for name, e in result.estimates.items():
            row = VariantMetricPublic(
                variant=name, value=_finite(e.value), low=_finite(e.low),
                high=_finite(e.high), profiles=e.n,
            )  # fmt: skip
            c = result.comparisons.get(name)
            if c is not None:
                row.diff, row.diff_low, row.diff_high = map(_finite, (c.diff, c.low, c.high))
                row.seq_low, row.seq_high = _finite(c.seq_low), _finite(c.seq_high)
                row.p_value, row.significant = _finite(c.p_value), c.significant
            rows.append(row)
        return cls(name=result.metric.name, label=result.metric.label, variants=rows)


class GuardrailPublic(PublicModel):
    variant: str
    name: str  # error_rate | p99_ms
    value: float | None
    limit: float
    status: str  # ok | breached | unknown
    requests: int

    @classmethod
    def of(cls, g: GuardrailResult) -> GuardrailPublic:
        return cls(variant=g.variant, name=g.name, value=g.value, limit=g.limit,
                   status=g.status, requests=g.requests)  # fmt: skip


class ResultsPublic(PublicModel):
    experiment: ExperimentPublic
    computed_at: datetime
    control: str
    exposed: dict[str, int]  # profiles per variant
    metrics: list[MetricPublic]
    guardrails: list[GuardrailPublic]

    @classmethod
    def of(cls, r: Results) -> ResultsPublic:
        return cls(
            experiment=ExperimentPublic.of(r.experiment),
            computed_at=r.computed_at,
            control=r.experiment.control.name,
            exposed=r.exposed,
            metrics=[MetricPublic.of(m) for m in r.metrics],
            guardrails=[GuardrailPublic.of(g) for g in r.guardrails],
        )
