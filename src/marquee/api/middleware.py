"""Pure ASGI middleware: request ids with an access log and a ``Server-Timing`` header, and a
request-body size limit."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marquee.api.problems import internal_error, problem_response
from marquee.logs import request_id_var

log = logging.getLogger("marquee.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Give each request an id (``X-Request-ID``, kept if the client sent a sane one) and say
    how long the app took to start answering (``Server-Timing: app;dur=<ms>``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _VALID_ID.match(sent) else secrets.token_hex(8)
        token = request_id_var.set(rid)
        began = time.perf_counter()
        status = 500
        started = False  # whether the response has begun (then a late error cannot replace it)

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message.setdefault("headers", [])
                # Server-Timing: the time inside the app, so load tests can tell server-side
                # latency from client-side queueing (bench/bench_home.py reads it).
                took = b"app;dur=%.2f" % ((time.perf_counter() - began) * 1e3)
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode()),
                    (b"server-timing", took),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Handled here, not by a Starlette handler, so the answer and the log carry the id.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await internal_error(scope["path"])(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={"status": status, "ms": round((time.perf_counter() - began) * 1e3, 2)},
            )
            request_id_var.reset(token)


class _TooLargeError(Exception):
    pass


class BodyLimit:
    """Answer 413 to bodies over ``max_bytes``, declared or streamed, before any handler runs.

    ``prefix_limits`` gives paths starting with a prefix their own limit (resumable-upload
    chunks under ``/v1/uploads/`` are far larger than any JSON body).
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, prefix_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix_limits = dict(prefix_limits or {})

    def _limit(self, path: str) -> int:
        for prefix, limit in self.prefix_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._reject(scope, receive, send, limit)
            return
        received = 0
        tripped = False
        replaced = False

        async def counting_receive() -> Message:
            nonlocal received, tripped
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                tripped = True
                raise _TooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn our exception into its own 400; answer 413 instead.
            nonlocal replaced
            if not tripped:
                await send(message)
            elif not replaced:
                replaced = True
                await self._reject(scope, receive, send, limit)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLargeError:
            if not replaced:
                await self._reject(scope, receive, send, limit)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            status=413,
            slug="payload-too-large",
            title="The request body is too large",
            detail=f"bodies are limited to {limit} bytes",
            instance=scope["path"],
        )
        await response(scope, receive, send)
