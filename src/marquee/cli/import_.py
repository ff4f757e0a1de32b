"""`marquee import`: Import catalogs and interactions (MovieLens datasets, a synthetic platform)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from marquee.cli.context import console, opened, state
from marquee.services.imports import ImportReport, ProgressFn, detect, import_movielens
from marquee.services.imports import import_synthetic as run_synthetic
from marquee.services.imports.events import ARCHIVE_BATCH
from marquee.storage.db.migrate import upgrade

app = typer.Typer(help="Import catalogs and interactions.", no_args_is_help=True)


class _Bars:
    """Renders the services' ``progress(stage, done, total)`` calls as one bar per stage."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(task, completed=done, total=total)


@contextmanager
def _bars() -> Iterator[ProgressFn]:
    columns = (
        TextColumn("{task.description:>14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        yield _Bars(progress)


def _summary(heading: str, report: ImportReport, seconds: float) -> None:
    console.print(heading, soft_wrap=True)
    table = Table()
    table.add_column("kind")
    table.add_column("added", justify="right")
    for kind, count in report.counts().items():
        table.add_row(kind, f"{count:,}")
    console.print(table)
    note = " (nothing new: already imported)" if report.total == 0 else ""
    console.print(f"imported {report.total:,} rows in {seconds:.1f} s{note}")


@app.command("movielens")
def movielens(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="An unzipped MovieLens directory (ml-100k … ml-32m).")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Dataset name (default: from the directory).")
    ] = None,
) -> None:
    """Import a MovieLens dataset: titles, genres, tags, users and their ratings. Idempotent."""
    dataset = detect(path, name=name)
    settings = state(ctx).settings()
    with opened(settings) as container:
        upgrade(container.db)
        started = time.perf_counter()
        console.print(
            f"importing {dataset.name} ({dataset.layout.value} layout) from {path}", soft_wrap=True
        )
        with _bars() as progress:
            report = import_movielens(
                container.db,
                path,
                now=container.clock(),
                name=name,
                progress=progress,
                events=container.events,
            )
            container.archiver.drain(batch=ARCHIVE_BATCH)  # the ratings' events into the lake
        seconds = time.perf_counter() - started
    _summary(f"MovieLens {dataset.name}", report, seconds)


@app.command("synthetic")
def synthetic(
    ctx: typer.Context,
    profiles: Annotated[int, typer.Option("--profiles", min=1, help="Profiles to create.")] = 1000,
    titles: Annotated[int, typer.Option("--titles", min=1, help="Titles to create.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same platform.")] = 42,
    reference: Annotated[
        datetime | None,
        typer.Option(
            "--reference",
            formats=["%Y-%m-%d"],
            help="Viewing history ends on this date (default: today, UTC).",
        ),
    ] = None,
) -> None:
    """Generate a believable platform: catalog, accounts, profiles and viewing history."""
    settings = state(ctx).settings()
    with opened(settings) as container:
        upgrade(container.db)
        started, now = time.perf_counter(), container.clock()
        day = reference.date() if reference is not None else now.date()
        with _bars() as progress:
            report = run_synthetic(
                container.db,
                profiles=profiles,
                titles=titles,
                seed=seed,
                reference=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
                now=now,
                progress=progress,
                events=container.events,
            )
            container.archiver.drain(batch=ARCHIVE_BATCH)  # the history's events into the lake
        seconds = time.perf_counter() - started
    _summary(f"Synthetic platform (seed {seed}, history to {day})", report, seconds)
