"""Admin: the experiments list (define, start, stop) and each experiment's results, with a
chart per metric of every variant's value and 95 % confidence interval."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from marquee.errors import ApiError
from marquee.experiments.results import Results
from marquee.recs.rows import SERVING_CONFIGS
from marquee.web import charts
from marquee.web.deps import ContainerDep, RendererDep
from marquee.web.pages.admin import AdminDep
from marquee.web.render import redirect
from marquee.web.session import check_csrf

router = APIRouter()
FormText = Annotated[str, Form()]
VARIANT_ROWS = 4  # variant rows in the form; blank ones are ignored
DECIMALS = {"play_rate": 3, "completion": 3, "return_rate": 3, "minutes": 1, "diversity": 2}


def _list_context(container: Any, **extra: Any) -> dict[str, Any]:
    return {
        "experiments": container.experiments.list(),
        "configs": sorted(SERVING_CONFIGS),
        "rows": range(VARIANT_ROWS),
        "errors": {},
        "form": {},
        **extra,
    }


@router.get("/admin/experiments")
def experiments(
    request: Request, viewer: AdminDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    return renderer.page(request, "admin_experiments.html", _list_context(container))


@router.post("/admin/experiments")
async def create_experiment(
    request: Request, viewer: AdminDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    from marquee.api.schemas.experiments import ExperimentCreate  # marquee.api imports web

    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf_token", ""))
    try:
        body = ExperimentCreate.model_validate(_body(form))
        container.experiments.create(body.draft())
    except (ValidationError, ApiError, ValueError) as exc:
        context = _list_context(container, form=form, errors=_errors(exc))
        return renderer.page(request, "admin_experiments.html", context, status_code=422)
    return redirect(request, f"/admin/experiments?created={body.key}")


def _body(form: dict[str, str]) -> dict[str, Any]:
    variants = [
        {
            "name": form.get(f"name_{n}", "").strip(),
            "config": form.get(f"config_{n}", ""),
            "weight": form.get(f"weight_{n}", "").strip() or "0",
        }
        for n in range(VARIANT_ROWS)
        if form.get(f"name_{n}", "").strip()
    ]
    try:
        error_rate = float(form.get("max_error_rate") or 1) / 100
        p99 = float(form.get("max_p99_ms") or 250)
    except ValueError:
        raise ValueError("Guardrails are numbers, such as 1 (%) and 250 (ms).") from None
    return {
        "key": form.get("key", "").strip(),
        "description": form.get("description", "").strip(),
        "variants": variants,
        "guardrails": {"max_error_rate": error_rate, "max_p99_ms": p99},
    }


def _errors(exc: Exception) -> dict[str, str]:
    """Field → reason, with fields as the form names them (``variants.1.config``)."""
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for e in exc.errors():
            found.setdefault(".".join(str(p) for p in e["loc"]) or "form", str(e["msg"]))
        return found
    if isinstance(exc, ApiError) and exc.problems:
        return {p.field.removeprefix("body."): p.reason for p in exc.problems}
    return {"form": exc.detail if isinstance(exc, ApiError) else str(exc)}


@router.post("/admin/experiments/{key}/{action}")
def change_status(
    *,
    request: Request,
    key: str,
    action: str,
    viewer: AdminDep,
    container: ContainerDep,
    renderer: RendererDep,
    csrf_token: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    service = container.experiments
    try:
        if action == "start":
            service.start(key)
        elif action == "stop":
            service.stop(key)
        else:
            raise ValueError(f"Unknown action {action!r}.")
    except (ApiError, ValueError) as exc:
        detail = exc.detail if isinstance(exc, ApiError) else str(exc)
        context = _list_context(container, error=detail)
        return renderer.page(request, "admin_experiments.html", context, status_code=409)
    done = {"start": "started", "stop": "stopped"}[action]
    return redirect(request, f"/admin/experiments?{done}={key}")


@router.get("/admin/experiments/{key}")
def results(
    request: Request, key: str, viewer: AdminDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    found = container.experiments.results(key)
    return renderer.page(request, "admin_experiment.html", _results_context(found))


def _results_context(found: Results) -> dict[str, Any]:
    metrics = []
    for result in found.metrics:
        points = [
            (name, _zero(e.value), _zero(e.low, e.value), _zero(e.high, e.value))
            for name, e in result.estimates.items()
        ]
        chart = charts.interval_chart(
            result.metric.label, points, decimals=DECIMALS.get(result.metric.name, 2)
        )
        metrics.append({"result": result, "chart": chart})
    return {
        "experiment": found.experiment,
        "results": found,
        "metrics": metrics,
        "total": sum(found.exposed.values()),
    }


def _zero(value: float, fallback: float = 0.0) -> float:
    """Charts draw nothing for an unknown figure (no profiles yet)."""
    if math.isnan(value):
        return 0.0 if math.isnan(fallback) else fallback
    return value
