"""``marquee evaluate-ranker``: the ranker's blended order against each candidate source alone."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from marquee.cli.context import console


def evaluate_ranker(
    *,
    data: Annotated[
        str,
        typer.Option("--data", help="MovieLens folder, an interactions CSV or a database URL."),
    ],
    model: Annotated[
        str, typer.Option("--model", help="The top-picks model (the ranker's main source).")
    ] = "ease",
    k: Annotated[int, typer.Option("--k", min=1, help="The K of nDCG and recall.")] = 10,
    pool: Annotated[
        int, typer.Option("--pool", min=1, help="Candidates taken from each source.")
    ] = 80,
    holdout: Annotated[
        float,
        typer.Option("--holdout", min=0.01, max=0.9, help="Share of events (latest) tested on."),
    ] = 0.1,
    windows: Annotated[
        int, typer.Option("--windows", min=1, max=10, help="Temporal training windows.")
    ] = 3,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for ranker.json and ranker.md.")
    ] = None,
) -> None:
    """Train the ranker before a temporal cutoff; score each source and the blends after it."""
    from marquee.recs.evaluation.datasets import load_dataset
    from marquee.recs.evaluation.ranking_eval import evaluate_ranker as run

    report = run(load_dataset(data), model=model, k=k, pool=pool, holdout=holdout, windows=windows)
    table = report.to_markdown()
    console.print(table, markup=False, soft_wrap=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "ranker.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
        (out / "ranker.md").write_text(table + "\n")
        console.print(f"wrote {out / 'ranker.json'}, {out / 'ranker.md'}", markup=False)
