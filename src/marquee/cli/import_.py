"""`marquee import`: Import catalogs and interactions."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import catalogs and interactions.", no_args_is_help=True)
