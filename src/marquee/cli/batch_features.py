"""`marquee batch features`: compute the batch features from the lake and publish them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
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

from marquee.cli.context import console, opened, state
from marquee.features.materialise import COLUMNS, lookback_start, materialise

# The lake's upper bound is exclusive; as-of times include their own instant.
_TICK = timedelta(microseconds=1)


class _Bars:
    """One bar per stage of the job's ``progress(stage, done, total)`` calls."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(task, completed=done, total=total)


def features(
    ctx: typer.Context,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            help="Compute as of this UTC time (default: now).",
            formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        ),
    ] = None,
) -> None:
    """Compute profile and item features from the lake and publish them to the online store
    under a new version (a rerun as of the same time is idempotent)."""
    at = (as_of.replace(tzinfo=UTC) if as_of else datetime.now(UTC)).replace(microsecond=0)
    started = time.monotonic()
    with opened(state(ctx).settings()) as container:
        columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console) as progress:
            bars = _Bars(progress)
            bars("read lake", 0, 1)
            events = container.lake.scan(
                since=lookback_start(at), until=at + _TICK, columns=COLUMNS
            )
            bars("read lake", 1, 1)
            titles = container.features.catalog.titles_table()
            result = materialise(events, titles, container.features, as_of=at, progress=bars)
    console.print(
        f"features {result.version}: {result.profiles:,} profiles, {result.items:,} items from "
        f"{result.events:,} events ({result.keys:,} keys) in {time.monotonic() - started:.1f} s"
    )
