"""Liveness and readiness probes."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from marquee.api.deps import ContainerDep
from marquee.storage.db.migrate import is_up_to_date

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: every backend answers and the schema is current")
def readyz(container: ContainerDep) -> JSONResponse:
    checks: dict[str, dict[str, Any]] = {}

    def check(name: str, probe: Any) -> None:
        started = time.perf_counter()
        try:
            ok = probe()
            checks[name] = {"ok": ok is not False}
            if ok is False:
                checks[name]["error"] = "schema is behind; run `marquee db upgrade`"
        except Exception as exc:
            # The probe is public: name the failure, keep hosts and credentials in the log.
            log.warning("readiness check %s failed", name, exc_info=exc)
            checks[name] = {"ok": False, "error": type(exc).__name__}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1e3, 2)

    check("database", container.db.ping)
    check("migrations", lambda: is_up_to_date(container.db))
    check("online_store", container.kv.ping)
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "checks": checks},
        status_code=200 if ready else 503,
    )
