"""Prometheus metrics of the serving path, in a registry of their own (one per container)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1.0)


class ServingMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "marquee_recs_request_seconds",
            "Server-side time to answer a recommendation request",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "marquee_recs_cache_requests",
            "Row lookups by the in-process cache's answer (hit rate = hit / all)",
            ["result"],
            registry=self.registry,
        )
        self.fallback = Counter(
            "marquee_recs_fallback",
            "Pages served, by the level of the fallback chain that answered",
            ["level"],
            registry=self.registry,
        )
        self.impressions_dropped = Counter(
            "marquee_recs_impressions_dropped",
            "Pages whose impressions were not logged because the logging queue was full",
            registry=self.registry,
        )
        self.precompute_age = Gauge(
            "marquee_recs_precompute_age_seconds",
            "Age of the precomputed rows the last request read (-1: none)",
            registry=self.registry,
        )
        self.precompute_age.set(-1)

    def watch_age(self, age: Callable[[], float]) -> None:
        self.precompute_age.set_function(age)
