"""Batch compute executors: ``map(fn, batches)`` in process now, on Ray later (``compute_url``)."""

from marquee.compute.base import Executor
from marquee.compute.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "open_executor"]


def open_executor(url: str) -> Executor:
    """``local://`` (in process, optionally ``local://?workers=N`` threads). Ray is not built
    yet: a ``ray://`` URL is refused with a clear message rather than run locally in secret."""
    if url.startswith("local://"):
        workers = 1
        if "workers=" in url:
            workers = max(1, int(url.split("workers=", 1)[1].split("&", 1)[0]))
        return LocalExecutor(workers=workers)
    raise ValueError(f"compute_url: {url!r} is not supported yet (use local://)")
