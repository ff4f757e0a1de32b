"""The ASGI entry point for servers: ``uvicorn --factory marquee.api.asgi:app_from_environment``.

Settings come from ``MARQUEE_CONFIG`` and ``MARQUEE_*`` variables, so every worker process of
``marquee serve --workers N`` builds the same app.
"""

from __future__ import annotations

from fastapi import FastAPI

from marquee.api.app import create_app
from marquee.config import load_settings
from marquee.logs import configure_logging


def app_from_environment() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    return create_app(settings)
