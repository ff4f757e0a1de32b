"""``GET /metrics``: the serving path's Prometheus metrics (text exposition format)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from marquee.api.deps import HomeDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics: latency, cache, fallbacks, precompute age")
def metrics(home: HomeDep) -> Response:
    return Response(generate_latest(home.metrics.registry), media_type=CONTENT_TYPE_LATEST)
