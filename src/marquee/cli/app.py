"""The Typer application and its entry point; errors become one clear line, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from marquee.cli import batch, billing, db, demo, evaluate, import_, recommend_batch, serve, users
from marquee.cli import evaluate_ranker as evaluate_ranker_cli
from marquee.cli import experiments as experiments_cli
from marquee.cli import models as models_cli
from marquee.cli import playback as playback_cli
from marquee.cli import worker as worker_cli
from marquee.cli.context import CliState, err_console
from marquee.errors import ApiError, MarqueeError

app = typer.Typer(
    name="marquee",
    help="Marquee: a self-hosted streaming platform with a production-grade recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML settings file.", envvar="MARQUEE_CONFIG"),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where embedded backends keep their files.")
    ] = None,
) -> None:
    ctx.obj = CliState(config_file=config, data_dir=data_dir)


app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(worker_cli.worker)
app.command("evaluate")(evaluate.evaluate)
app.command("evaluate-page")(evaluate.evaluate_page)
app.command("evaluate-coldstart")(evaluate.evaluate_coldstart)
app.command("evaluate-ranker")(evaluate_ranker_cli.evaluate_ranker)
app.command("recommend-batch")(recommend_batch.recommend_batch)
app.add_typer(db.app, name="db")
app.add_typer(import_.app, name="import")
app.add_typer(users.app, name="users")
app.add_typer(billing.app, name="billing")
app.add_typer(batch.app, name="batch")
app.add_typer(playback_cli.app, name="playback")
app.add_typer(models_cli.app, name="models")
app.add_typer(experiments_cli.app, name="experiments")


def main() -> None:
    try:
        app()
    except (MarqueeError, OSError) as exc:
        detail = exc.detail if isinstance(exc, ApiError) else str(exc)
        # One line, however long, and never read as rich markup.
        err_console.print(Text.assemble(("error: ", "red"), detail), soft_wrap=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        # Usually a database that is unreachable or not migrated yet; say so in one line.
        reason = str(exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc).splitlines()[0]
        err_console.print(
            Text.assemble(
                ("error: ", "red"),
                f"database: {reason} (is it reachable, and has `marquee db upgrade` run?)",
            ),
            soft_wrap=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
