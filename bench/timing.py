"""The one timing helper the benchmark scripts share: run an action a few times, keep the median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(action: Callable[[], Any], repeat: int = 3) -> tuple[Any, float]:
    """The last run's result and the median wall time of ``repeat`` runs, in seconds."""
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return value, statistics.median(times)
