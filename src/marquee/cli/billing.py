"""`marquee billing`: Subscriptions: renewals and plans."""

from __future__ import annotations

import typer

app = typer.Typer(help="Subscriptions: renewals and plans.", no_args_is_help=True)
