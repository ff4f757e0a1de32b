"""``marquee serve``: the API server (production role: one of N behind a proxy)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from marquee.api import create_app
from marquee.cli.context import state
from marquee.config import Settings
from marquee.logs import configure_logging


def run_server(settings: Settings) -> None:
    configure_logging(settings.log_level, as_json=settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Serve the API and web pages."""
    settings = state(ctx).settings()
    http = settings.http.model_copy(
        update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    )
    run_server(settings.model_copy(update={"http": http}))
