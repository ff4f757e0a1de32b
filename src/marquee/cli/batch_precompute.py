"""`marquee batch precompute`: homepage rows for every profile and segment, then a pointer flip."""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from marquee.cli.batch_features import _Bars
from marquee.cli.context import console, opened, state
from marquee.recs.precompute import Precompute


def precompute(ctx: typer.Context) -> None:
    """Fit the candidate sources on the interactions, build and post-rank every profile's and
    every segment's rows and publish them under a new version. A rerun over the same data
    writes nothing new; an interrupted run is resumed by running it again."""
    started = time.monotonic()
    with opened(state(ctx).settings()) as container:
        job = Precompute(
            db=container.db,
            kv=container.kv,
            settings=container.settings.recs,
            executor=container.compute,
            now=container.clock,
            registry=container.registry,
            allocation=container.experiments.allocation("home"),
            lake=container.lake,
        )
        columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console) as progress:
            summary = job.run(progress=_Bars(progress))
    elapsed = time.monotonic() - started
    state_word = "published" if summary.flipped else "already current"
    console.print(
        f"rows {summary.version} {state_word}: {summary.profiles:,} profiles "
        f"({summary.written:,} written, {summary.profiles / max(elapsed, 1e-9):,.0f} profiles/s), "
        f"{summary.segments} segments in {elapsed:.1f} s"
    )
    if summary.release is not None:
        console.print(f"model {summary.release.describe()}", markup=False)
    if summary.ranker_release is not None:
        console.print(f"model {summary.ranker_release.describe()}", markup=False)
