"""``marquee recommend-batch``: top-K lists for users from plain CSV interactions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marquee.cli.context import console


def recommend_batch(
    *,
    train: Annotated[
        Path, typer.Option("--train", help="CSV: user_id,item_id[,rating,timestamp].")
    ],
    users: Annotated[Path, typer.Option("--users", help="CSV with a user_id column.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write user_id,item_id,rank.")],
    valid: Annotated[
        Path | None, typer.Option("--valid", help="Held-out interactions to tune on.")
    ] = None,
    exclude: Annotated[
        Path | None, typer.Option("--exclude", help="CSV user_id,item_id never to recommend.")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="A model name, or best.")] = "best",
    k: Annotated[int, typer.Option("--k", min=1, help="Items per user.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed for models that use one.")] = 42,
) -> None:
    """Recommend K items per user, never their train, valid or excluded items."""
    from marquee.recs.batch import recommend_batch as run_batch

    summary = run_batch(
        train_path=train,
        users_path=users,
        out_path=out,
        model_name=model,
        k=k,
        valid_path=valid,
        exclude_path=exclude,
        seed=seed,
    )
    console.print(
        f"{summary.model} {summary.params}: {summary.rows_written} rows for {summary.users} "
        f"users ({summary.cold_users} cold, served popularity) → {out}",
        markup=False,
    )
