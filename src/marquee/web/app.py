"""Mount the server-rendered site on the API app: pages at ``/``, static files at ``/static``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from marquee.web.errors import install_page_errors
from marquee.web.pages import PAGE_ROUTERS
from marquee.web.render import STATIC_DIR, Renderer


def mount_web(app: FastAPI) -> None:
    """Add the pages, their error handling and the static files (call after the API routes)."""
    app.state.web_renderer = Renderer()
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
