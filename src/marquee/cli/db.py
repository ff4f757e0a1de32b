"""``marquee db``: schema migrations."""

from __future__ import annotations

import typer

from marquee.cli.context import console, state
from marquee.storage.db import Database
from marquee.storage.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(ctx: typer.Context) -> None:
    """Apply every pending migration."""
    db = Database(state(ctx).settings().database_url)
    try:
        upgrade(db)
        console.print(f"database at revision {current_revision(db)}")
    finally:
        db.close()


@app.command("current")
def current_cmd(ctx: typer.Context) -> None:
    """Show the schema revision and whether it is the newest."""
    db = Database(state(ctx).settings().database_url)
    try:
        current, head = current_revision(db), head_revision()
        console.print(f"current {current or '(empty)'}, newest {head}")
    finally:
        db.close()
