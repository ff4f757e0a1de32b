"""``marquee serve``: the API server (production role: one of N behind a proxy)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer
import uvicorn

from marquee.cli.context import CliState, state
from marquee.config import DEV_SECRET, Settings
from marquee.errors import ConfigError
from marquee.logs import configure_logging


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to expose the public development secret: anyone could mint an admin token."""
    loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    if not loopback and settings.secret_key.get_secret_value() == DEV_SECRET:
        raise ConfigError(
            f"secret_key: the public development secret may only serve on loopback, not {host}; "
            "set MARQUEE_SECRET_KEY"
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def run_server(cli: CliState, *, host: str, port: int, workers: int = 1) -> None:
    """Serve in this process (or ``workers`` processes) with the settings ``cli`` names."""
    settings = cli.settings()  # validate here, so a bad key is one line before any worker starts
    check_bind(settings, host)
    # Workers rebuild the settings from the environment: hand them what the command line said.
    if cli.config_file is not None:
        os.environ["MARQUEE_CONFIG"] = str(cli.config_file)
    if cli.data_dir is not None:
        os.environ["MARQUEE_DATA_DIR"] = str(cli.data_dir)
    configure_logging(settings.log_level, as_json=settings.log_json)
    uvicorn.run(
        "marquee.api.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        proxy_headers=True,
        forwarded_allow_ips=settings.http.forwarded_allow_ips,
    )


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the API."""
    cli = state(ctx)
    http = cli.settings().http
    run_server(cli, host=host or http.host, port=port or http.port, workers=workers)
