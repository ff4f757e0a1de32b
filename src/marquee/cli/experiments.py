"""`marquee experiments`: define, start and stop A/B experiments, and read their results."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from rich.table import Table

from marquee.cli.context import console, opened, state
from marquee.errors import InvalidInput
from marquee.experiments.definitions import Experiment, ExperimentDraft, Guardrails, Variant
from marquee.experiments.results import Results

app = typer.Typer(help="A/B experiments on the homepage.", no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(help="The experiment's key.")]


def parse_variant(text: str) -> Variant:
    """``name=config:weight`` (weight defaults to 50)."""
    name, _, rest = text.partition("=")
    config, _, weight = rest.partition(":")
    if not name.strip() or not config.strip() or (weight and not weight.strip().isdigit()):
        raise InvalidInput.on("--variant", f"{text!r} is not name=config:weight")
    return Variant(name.strip(), int(weight or 50), config.strip())


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every experiment, newest first."""
    with opened(state(ctx).settings()) as container:
        found = container.experiments.list()
    table = Table("key", "surface", "status", "variants", "started", "stopped")
    for e in found:
        table.add_row(
            e.key, e.surface, e.status.value, _arms(e), _at(e.started_at), _at(e.stopped_at)
        )
    console.print(table if found else "no experiments yet")


@app.command("create")
def create(
    ctx: typer.Context,
    key: KeyArg,
    variant: Annotated[
        list[str],
        typer.Option("--variant", "-v", help="name=config:weight; the first is the control."),
    ],
    description: Annotated[str, typer.Option(help="What is being tested.")] = "",
    surface: Annotated[str, typer.Option(help="Where it runs.")] = "home",
    salt: Annotated[str | None, typer.Option(help="Assignment salt (default: the key).")] = None,
    max_error_rate: Annotated[float, typer.Option(help="Guardrail: failed requests.")] = 0.01,
    max_p99_ms: Annotated[float, typer.Option(help="Guardrail: p99 latency, ms.")] = 250.0,
) -> None:
    """Define an experiment (a draft), e.g. ``-v control=default:50 -v mmr=diverse:50``."""
    draft = ExperimentDraft(
        key=key,
        surface=surface,
        variants=[parse_variant(v) for v in variant],
        description=description,
        salt=salt,
        guardrails=Guardrails(max_error_rate, max_p99_ms),
    )
    with opened(state(ctx).settings()) as container:
        created = container.experiments.create(draft)
    console.print(f"created {created.key} ({created.status.value}): {_arms(created)}")


@app.command("start")
def start(ctx: typer.Context, key: KeyArg) -> None:
    """Start a draft: its variants are served from the next assignment refresh (≤ 30 s)."""
    with opened(state(ctx).settings()) as container:
        started = container.experiments.start(key)
    console.print(f"started {started.key} on {started.surface}; run `marquee batch precompute`")


@app.command("stop")
def stop(ctx: typer.Context, key: KeyArg) -> None:
    """Stop a running experiment: its surface goes back to the settings' variants."""
    with opened(state(ctx).settings()) as container:
        stopped = container.experiments.stop(key)
    console.print(f"stopped {stopped.key}")


@app.command("results")
def results(ctx: typer.Context, key: KeyArg) -> None:
    """Per-variant metrics with 95 % CIs and the always-valid p-value against the control."""
    with opened(state(ctx).settings()) as container:
        found = container.experiments.results(key)
    console.print(_results_table(found))
    for g in found.guardrails:
        value = "unknown" if g.value is None else f"{g.value:.4g}"
        console.print(f"guardrail {g.variant} {g.name}: {value} (limit {g.limit:g}) {g.status}")


def _results_table(found: Results) -> Table:
    exposed = ", ".join(f"{v} {n}" for v, n in found.exposed.items())
    table = Table("metric", "variant", "value [95 % CI]", "vs control", "p (always valid)",
                  title=f"{found.experiment.key}: exposed profiles {exposed}")  # fmt: skip
    for result in found.metrics:
        for name, e in result.estimates.items():
            c = result.comparisons.get(name)
            diff = "control" if c is None else f"{_num(c.diff)} [{_num(c.low)}, {_num(c.high)}]"
            p = "" if c is None else f"{c.p_value:.3f}{' *' if c.significant else ''}"
            cell = f"{_num(e.value)} [{_num(e.low)}, {_num(e.high)}]"
            table.add_row(result.metric.name, name, cell, diff, p)
    return table


def _num(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.4g}"


def _arms(e: Experiment) -> str:
    return ", ".join(f"{v.name}={v.config}:{v.weight}" for v in e.variants)


def _at(value: object) -> str:
    return "" if value is None else str(value)[:19]
