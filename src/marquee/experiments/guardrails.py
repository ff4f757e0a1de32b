"""Guardrails: each variant's error rate and p99 latency on the serving path, in this process.

The request path reports a request when it is assigned (``started``) and again when its page
is answered (``finished``, with its latency); a request assigned and never finished failed.
Figures are per process since it started: a process that served none of the experiment's
requests (the CLI, another replica) reports the guardrails as ``unknown``.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from marquee.experiments.definitions import Experiment

_RESERVOIR = 10_000  # latest latencies kept per variant
_MIN_REQUESTS = 20  # fewer than this says nothing about a p99


@dataclass(frozen=True)
class GuardrailResult:
    """One guardrail of one variant: ``status`` is ok | breached | unknown."""

    variant: str
    name: str  # error_rate | p99_ms
    value: float | None
    limit: float
    status: str
    requests: int


@dataclass
class _Tally:
    started: int = 0
    finished: int = 0
    latencies: deque[float] | None = None


class GuardrailMonitor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, str], _Tally] = {}

    def _tally(self, experiment: str, variant: str) -> _Tally:
        key = (experiment, variant)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally(latencies=deque(maxlen=_RESERVOIR))
        return tally

    def started(self, experiment: str, variant: str) -> None:
        with self._lock:
            self._tally(experiment, variant).started += 1

    def finished(self, experiment: str, variant: str, seconds: float) -> None:
        with self._lock:
            tally = self._tally(experiment, variant)
            tally.finished += 1
            assert tally.latencies is not None
            tally.latencies.append(seconds)

    def evaluate(self, experiment: Experiment) -> list[GuardrailResult]:
        out = []
        limits = experiment.guardrails
        for variant in experiment.variants:
            with self._lock:
                tally = self._tallies.get((experiment.key, variant.name), _Tally())
                latencies = np.array(tally.latencies or (), dtype="float64")
                started, finished = tally.started, tally.finished
            known = started >= _MIN_REQUESTS
            errors = (started - finished) / started if known else None
            p99 = float(np.percentile(latencies, 99)) * 1000 if known and latencies.size else None
            out.append(_verdict(variant.name, "error_rate", errors, limits.max_error_rate, started))
            out.append(_verdict(variant.name, "p99_ms", p99, limits.max_p99_ms, started))
        return out


def _verdict(variant: str, name: str, value: float | None, limit: float, n: int) -> GuardrailResult:
    status = "unknown" if value is None else "breached" if value > limit else "ok"
    return GuardrailResult(variant, name, value, limit, status, n)
