"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import marquee
from marquee.api.errors import install_error_handlers
from marquee.api.middleware import BodyLimit, RequestContext
from marquee.api.problems import PROBLEM_RESPONSES
from marquee.api.routes import V1_ROUTERS, health, media_edge, metrics
from marquee.api.routes.uploads import TUS_EXPOSED_HEADERS
from marquee.bootstrap import Container, bootstrap
from marquee.config import Settings
from marquee.web import mount_web

DESCRIPTION = """
Marquee's HTTP API. Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem+json
documents whose `errors` list names each invalid field and the reason. Authenticate with
`Authorization: Bearer <access token>` from `POST /v1/auth/login`.
"""


SWITCH_INTERVAL_S = 0.0005  # the process's GIL switch interval (default 0.005)


def create_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    """Build the app. Backends open at start-up (or use ``container``, e.g. in tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        if owned:
            # Start-up objects (modules, the container) live as long as the process: keeping
            # them out of the collector's scans halved ingestion's CPU per event (bench/README).
            gc.freeze()
            # Threads of the process (page builds, impression logging, store reads with a
            # deadline) wait for the GIL after every I/O call while the event loop serves
            # reused pages; at the default 5 ms switch interval each wait could take that long
            # (bench/README.md, homepage: p99 71-111 ms before, 40-48 ms after on SQLite).
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        # Job workers run inside the process only for a container it opened itself (serve,
        # demo); a container handed in (tests) belongs to its owner, who runs jobs explicitly.
        worker = None
        if owned and settings.media.embedded_worker:
            from marquee.worker import start_embedded

            worker = start_embedded(app.state.container)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop(timeout_s=10.0)
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
    app.include_router(media_edge.router)  # /media: signed playlists and segments, not /v1
    app.include_router(metrics.router)  # /metrics for Prometheus, not /v1
    for router in V1_ROUTERS:
        app.include_router(router, prefix="/v1")
    mount_web(app)  # the website at /, after the API so /v1 paths always win
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.http.max_body_bytes,
        # tus PATCH chunks: the upload service streams them to the blob store.
        prefix_limits={"/v1/uploads/": settings.media.max_chunk_bytes},
    )
    if settings.http.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.http.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=TUS_EXPOSED_HEADERS,
        )
    app.add_middleware(RequestContext)
    return app
