"""``marquee evaluate``: reproduce offline tables — split, tune on validation, score on test;
``evaluate-page`` (whole homepages) and ``evaluate-coldstart`` (onboarding picks)."""

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


def evaluate_page(
    *,
    data: Annotated[str, typer.Option("--data", help="MovieLens folder or interactions CSV.")],
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            help="later (each user's last 20 % by time) | later-valid (the same split of the "
            "training part, for tuning) | recbole | temporal | msr-user",
        ),
    ] = "later",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split.")] = 42,
    out: Annotated[Path, typer.Option("--out", help="Folder for page.json.")] = Path("evaluation"),
    because_rows: Annotated[
        int | None,
        typer.Option("--because-rows", min=0, max=10, help="Override [recs] because_rows."),
    ] = None,
    genre_rows: Annotated[
        int | None,
        typer.Option("--genre-rows", min=0, max=10, help="Override [recs] genre_rows."),
    ] = None,
) -> None:
    """Whole-page evaluation: homepages as precompute builds them vs Top Picks alone."""
    from dataclasses import asdict

    from marquee.config import RecsSettings
    from marquee.recs.evaluation.datasets import load_dataset
    from marquee.recs.evaluation.page import evaluate_pages, page_markdown

    overrides = {"because_rows": because_rows, "genre_rows": genre_rows}
    settings = RecsSettings(**{k: v for k, v in overrides.items() if v is not None})
    report = evaluate_pages(load_dataset(data), protocol=protocol, seed=seed, settings=settings)
    report.date = datetime.now(UTC).date().isoformat()
    report.command = "marquee evaluate-page " + shlex.join(sys.argv[2:])
    _write(out / "page.json", asdict(report))
    console.print(page_markdown(report), markup=False, soft_wrap=True)


def evaluate_coldstart(
    *,
    data: Annotated[str, typer.Option("--data", help="MovieLens folder or interactions CSV.")],
    share: Annotated[
        float, typer.Option("--share", min=0.01, max=0.9, help="Share of users held out.")
    ] = 0.2,
    gap_days: Annotated[
        float, typer.Option("--gap-days", min=0, help="Score only ratings this long after.")
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out users.")] = 42,
    out: Annotated[Path, typer.Option("--out", help="Folder for coldstart.json.")] = Path(
        "evaluation"
    ),
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            help="first (first three likes, every later rating relevant) | strong (positives "
            "only, validation and test users, the blend weight chosen on validation)",
        ),
    ] = "first",
) -> None:
    """Cold start on held-out users: three onboarding picks vs popularity."""
    from dataclasses import asdict

    from marquee.recs.evaluation.coldstart_eval import coldstart_markdown
    from marquee.recs.evaluation.coldstart_eval import evaluate_coldstart as run_coldstart
    from marquee.recs.evaluation.datasets import load_dataset

    if protocol == "strong":
        _coldstart_strong(data, share=share, seed=seed, out=out)
        return
    if protocol != "first":
        raise typer.BadParameter("use first or strong", param_hint="--protocol")
    report = run_coldstart(load_dataset(data), share=share, seed=seed, gap_days=gap_days)
    report.date = datetime.now(UTC).date().isoformat()
    report.command = "marquee evaluate-coldstart " + shlex.join(sys.argv[2:])
    _write(out / "coldstart.json", asdict(report))
    console.print(coldstart_markdown(report), markup=False, soft_wrap=True)


def _coldstart_strong(data: str, *, share: float, seed: int, out: Path) -> None:
    from dataclasses import asdict

    from marquee.recs.evaluation.coldstart_strong import (
        evaluate_strong,
        read_bands,
        strong_markdown,
    )
    from marquee.recs.evaluation.datasets import load_dataset

    report = evaluate_strong(load_dataset(data), bands=read_bands(data), share=share, seed=seed)
    report.date = datetime.now(UTC).date().isoformat()
    report.command = "marquee evaluate-coldstart " + shlex.join(sys.argv[2:])
    _write(out / "coldstart-strong.json", asdict(report))
    console.print(strong_markdown(report), markup=False, soft_wrap=True)


def _write(path: Path, body: object) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2) + "\n")
    console.print(f"wrote {path}", markup=False)


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
