"""`marquee models`: the model registry: list names, show versions, promote one (gated)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marquee.cli.context import console, opened, state
from marquee.recs.registry import ModelEntry

app = typer.Typer(help="Model versions, their offline metrics and promotion.", no_args_is_help=True)


@app.command("list")
def list_models(ctx: typer.Context) -> None:
    """Every registered model name with its promoted version."""
    with opened(state(ctx).settings()) as container:
        histories = container.registry.histories()
    table = Table("name", "versions", "promoted", "promoted at")
    for history in histories:
        pointer = history.promoted
        table.add_row(
            history.name,
            str(len(history.versions)),
            pointer.version if pointer else "-",
            pointer.promoted_at.isoformat(timespec="seconds") if pointer else "-",
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name, e.g. top-picks or ranker.")],
    version: Annotated[str | None, typer.Argument(help="One version (default: all).")] = None,
) -> None:
    """A name's versions, newest first (``*`` marks the promoted one), or one version in full."""
    with opened(state(ctx).settings()) as container:
        if version is not None:
            console.print_json(container.registry.get(name, version).encode().decode())
            return
        history = container.registry.history(name)
        gated = container.settings.recs.promotion_metrics
    promoted = history.promoted.version if history.promoted else None
    table = Table("", "version", "kind", "created", "snapshot", "metrics")
    for entry in history.versions:
        table.add_row(
            "*" if entry.version == promoted else "",
            entry.version,
            entry.kind,
            entry.created_at.isoformat(timespec="seconds"),
            entry.snapshot_id[:12],
            _metrics(entry, gated),
        )
    console.print(table)


@app.command("promote")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Argument(help="The version to serve.")],
    force: Annotated[
        bool, typer.Option("--force", help="Promote even when offline metrics regressed.")
    ] = False,
) -> None:
    """Make a version the one that serves; refused when a gated metric regressed (unless
    ``--force``, which is logged)."""
    with opened(state(ctx).settings()) as container:
        promotion = container.registry.promote(name, version, force=force)
    forced = f" (forced past: {'; '.join(promotion.regressions)})" if promotion.forced else ""
    console.print(
        f"promoted {name} {promotion.version} (previous {promotion.previous or '-'}){forced}",
        markup=False,
    )


def _metrics(entry: ModelEntry, gated: list[str]) -> str:
    shown = [m for m in gated if m in entry.metrics]
    return ", ".join(f"{m}={entry.metrics[m]:.4f}" for m in shown) or "-"
