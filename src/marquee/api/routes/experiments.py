"""Admin: A/B experiments: define, start, stop, and read their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from marquee.api.deps import AdminPrincipal, ExperimentsDep
from marquee.api.schemas.experiments import (
    KEY_PATTERN,
    ExperimentCreate,
    ExperimentPublic,
    ExperimentsPublic,
    ResultsPublic,
)

router = APIRouter(prefix="/admin/experiments", tags=["experiments"])

Key = Annotated[str, Path(min_length=2, max_length=64, pattern=KEY_PATTERN)]


@router.get("", summary="Every experiment, newest first (admins only)")
def list_experiments(_: AdminPrincipal, experiments: ExperimentsDep) -> ExperimentsPublic:
    found = experiments.list()
    return ExperimentsPublic(data=[ExperimentPublic.of(e) for e in found], count=len(found))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define an experiment (a draft); each variant names a serving configuration",
)
def create_experiment(
    body: ExperimentCreate, _: AdminPrincipal, experiments: ExperimentsDep
) -> ExperimentPublic:
    return ExperimentPublic.of(experiments.create(body.draft()))


@router.get("/{key}", summary="One experiment")
def get_experiment(key: Key, _: AdminPrincipal, experiments: ExperimentsDep) -> ExperimentPublic:
    return ExperimentPublic.of(experiments.get(key))


@router.post("/{key}/start", summary="Start a draft (409 when one already runs on the surface)")
def start_experiment(key: Key, _: AdminPrincipal, experiments: ExperimentsDep) -> ExperimentPublic:
    return ExperimentPublic.of(experiments.start(key))


@router.post("/{key}/stop", summary="Stop a running experiment")
def stop_experiment(key: Key, _: AdminPrincipal, experiments: ExperimentsDep) -> ExperimentPublic:
    return ExperimentPublic.of(experiments.stop(key))


@router.get(
    "/{key}/results",
    summary="Per-variant metrics with 95 % CIs, sequential tests against the control, guardrails",
)
def experiment_results(key: Key, _: AdminPrincipal, experiments: ExperimentsDep) -> ResultsPublic:
    return ResultsPublic.of(experiments.results(key))
