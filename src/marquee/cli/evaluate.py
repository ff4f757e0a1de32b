"""``marquee evaluate``: reproduce offline tables — split, tune on validation, score on test."""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from marquee.cli.context import console


def evaluate(
    *,
    data: Annotated[
        str,
        typer.Option(
            "--data",
            help="MovieLens folder (any layout), an interactions CSV, or a database URL "
            "(sqlite:///path or postgresql://...).",
        ),
    ],
    protocol: Annotated[
        str, typer.Option("--protocol", help="recbole | temporal | strong | msr-user | msr-item")
    ] = "recbole",
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated model names, e.g. popularity,ease.")
    ] = "popularity,ease",
    k: Annotated[int, typer.Option("--k", min=1, help="The K of the headline metrics.")] = 10,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.json, report.md, report.html.")
    ] = Path("evaluation"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split and the models.")] = 42,
    no_search: Annotated[
        bool, typer.Option("--no-search", help="Skip the validation grid search.")
    ] = False,
) -> None:
    """Evaluate models on a dataset under one protocol and write JSON, markdown and HTML."""
    from marquee.recs.evaluation.datasets import load_dataset
    from marquee.recs.evaluation.harness import evaluate as run_evaluation
    from marquee.recs.evaluation.report import to_markdown, write_all

    names = [name.strip() for name in models.split(",") if name.strip()]
    dataset = load_dataset(data)
    report = run_evaluation(
        dataset, protocol=protocol, models=names, k=k, seed=seed, search=not no_search
    )
    report.date = datetime.now(UTC).date().isoformat()
    arguments = [_without_password(a) for a in sys.argv[2:]]
    report.command = "marquee evaluate " + shlex.join(arguments)
    paths = write_all(report, out)
    console.print(to_markdown(report), markup=False, soft_wrap=True)
    console.print(f"wrote {', '.join(str(p) for p in paths)}", markup=False)


def _without_password(argument: str) -> str:
    """A database URL is recorded in the report with its password masked."""
    if "://" not in argument or "@" not in argument:
        return argument
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(argument).render_as_string(hide_password=True)
    except ArgumentError:
        return argument
