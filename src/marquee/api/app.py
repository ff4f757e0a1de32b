"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import marquee
from marquee.api.errors import install_error_handlers
from marquee.api.middleware import BodyLimit, RequestContext
from marquee.api.problems import PROBLEM_RESPONSES
from marquee.api.routes import V1_ROUTERS, health
from marquee.bootstrap import Container, bootstrap
from marquee.config import Settings

DESCRIPTION = """
Marquee's HTTP API. Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem+json
documents whose `errors` list names each invalid field and the reason. Authenticate with
`Authorization: Bearer <access token>` from `POST /v1/auth/login`.
"""


def create_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    """Build the app. Backends open at start-up (or use ``container``, e.g. in tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        try:
            yield
        finally:
            if owned:
                app.state.container.close()

    app = FastAPI(
        title="Marquee",
        version=marquee.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
    )
    if container is not None:
        app.state.container = container
    install_error_handlers(app)
    app.include_router(health.router)
    for router in V1_ROUTERS:
        app.include_router(router, prefix="/v1")
    app.add_middleware(BodyLimit, max_bytes=settings.http.max_body_bytes)
    if settings.http.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.http.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestContext)
    return app
