"""``marquee demo``: one command from nothing to a running, populated platform.

Embedded backends under the data directory, a synthetic (or MovieLens) catalog with viewing
history, and three demo logins. Refused in prod mode: the demo password is public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from marquee.bootstrap import Container
from marquee.cli.context import console, opened, state
from marquee.cli.serve import run_server
from marquee.domain.roles import Role
from marquee.errors import ConfigError, Conflict
from marquee.services.imports import import_movielens, import_synthetic
from marquee.services.profiles import ProfileDraft
from marquee.storage.db.migrate import upgrade

DEMO_PASSWORD = "marquee-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    plan: str | None


DEMO_LOGINS = (
    DemoLogin("viewer@demo.example.com", Role.VIEWER, "standard"),
    DemoLogin("producer@demo.example.com", Role.PRODUCER, None),
    DemoLogin("admin@demo.example.com", Role.ADMIN, "premium"),
)


def populate(
    container: Container, *, movielens: Path | None, profiles: int, titles: int, seed: int
) -> int:
    """Import data unless the catalog already has titles; return how many rows were added."""
    if container.catalog.list_titles(limit=1)[1] > 0:
        return 0
    now = container.clock()
    if movielens is not None:
        return import_movielens(container.db, movielens, now=now).total
    day = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    report = import_synthetic(
        container.db, profiles=profiles, titles=titles, seed=seed, reference=day, now=now
    )
    return report.total


def ensure_demo_logins(container: Container) -> None:
    """Create the demo accounts (idempotent): a subscribed viewer with a kids profile too."""
    for login in DEMO_LOGINS:
        try:
            account = container.accounts.create_account(
                email=login.email, password=DEMO_PASSWORD, role=login.role
            )
        except Conflict:
            continue  # created by an earlier run
        if login.plan is not None:
            container.billing.subscribe(
                account_id=account.id,
                plan_code=login.plan,
                payment_method="pm_card_ok",
                idempotency_key=f"demo-subscribe-{login.email}",
            )
        if login.role is Role.VIEWER:
            container.accounts.create_profile(
                account_id=account.id, draft=ProfileDraft(name="Kids", is_kids=True)
            )


def demo(
    ctx: typer.Context,
    movielens: Annotated[
        Path | None,
        typer.Option(help="Import this MovieLens directory instead of a synthetic catalog."),
    ] = None,
    profiles: Annotated[int, typer.Option(min=1, help="Synthetic profiles.")] = 300,
    titles: Annotated[int, typer.Option(min=1, help="Synthetic titles.")] = 600,
    seed: Annotated[int, typer.Option(help="Synthetic seed.")] = 7,
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve: Annotated[bool, typer.Option(help="Start the server after preparing.")] = True,
) -> None:
    """Create a data directory, migrate, import data and serve on 127.0.0.1:8000."""
    cli = state(ctx)
    settings = cli.settings()
    if settings.mode == "prod":
        raise ConfigError("mode: the demo creates logins with a public password; use dev mode")
    console.print(f"data directory: {settings.data_dir.resolve()}", soft_wrap=True)
    with opened(settings) as container:
        upgrade(container.db)
        added = populate(
            container, movielens=movielens, profiles=profiles, titles=titles, seed=seed
        )
        ensure_demo_logins(container)
        count = container.catalog.list_titles(limit=1)[1]
    console.print(f"catalog: {count:,} titles ({added:,} rows imported now)")
    console.print(f"password for every demo login: {DEMO_PASSWORD}")
    for login in DEMO_LOGINS:
        console.print(f"  {login.role.value:<9} {login.email}")
    url = f"http://{host}:{port}"
    console.print(f"API docs: {url}/docs   titles: {url}/v1/titles   ready: {url}/readyz")
    if serve:
        run_server(cli, host=host, port=port)
