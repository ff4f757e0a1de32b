"""`marquee users`: Accounts and roles."""

from __future__ import annotations

import typer

app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
