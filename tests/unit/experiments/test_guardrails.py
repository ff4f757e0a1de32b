"""Guardrails: unanswered requests count as errors; p99 latency against its limit."""

from __future__ import annotations

from marquee.experiments.definitions import Experiment, Guardrails, Variant
from marquee.experiments.guardrails import GuardrailMonitor

EXPERIMENT = Experiment(
    key="e",
    surface="home",
    salt="e",
    variants=(Variant("control", 1, "default"), Variant("mmr", 1, "diverse")),
    guardrails=Guardrails(max_error_rate=0.05, max_p99_ms=100),
)


def test_failed_and_slow_requests_breach_the_guardrails_of_their_variant_only() -> None:
    monitor = GuardrailMonitor()
    for n in range(100):
        monitor.started("e", "control")
        monitor.finished("e", "control", 0.010)
        monitor.started("e", "mmr")
        if n % 10:  # one request in ten never answers
            monitor.finished("e", "mmr", 0.300 if n % 3 == 0 else 0.010)
    found = {(g.variant, g.name): g for g in monitor.evaluate(EXPERIMENT)}
    assert found["control", "error_rate"].status == "ok"
    assert found["control", "p99_ms"].status == "ok"
    assert found["mmr", "error_rate"].value == 0.1
    assert found["mmr", "error_rate"].status == "breached"
    assert found["mmr", "p99_ms"].status == "breached"


def test_too_few_requests_leave_the_guardrails_unknown() -> None:
    monitor = GuardrailMonitor()
    for _ in range(5):
        monitor.started("e", "control")
        monitor.finished("e", "control", 1.0)
    assert {g.status for g in monitor.evaluate(EXPERIMENT)} == {"unknown"}
