"""`marquee users`: Accounts and roles."""

from __future__ import annotations

from typing import Annotated

import typer

from marquee.cli.context import console, opened, state
from marquee.domain.roles import Role

app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option("--email", help="The login e-mail.")],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            help="The password (prompted, hidden, when omitted).",
            prompt=True,
            hide_input=True,
        ),
    ],
    role: Annotated[Role, typer.Option("--role", help="viewer, producer or admin.")] = Role.VIEWER,
) -> None:
    """Create an account (with one profile); bad input is reported as one line."""
    with opened(state(ctx).settings()) as container:
        account = container.accounts.create_account(email=email, password=password, role=role)
    console.print(f"created {account.role} account {account.id} <{account.email}>")
