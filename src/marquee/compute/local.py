"""The in-process executor: batches run in this process, optionally on a few threads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class LocalExecutor:
    """``workers=1`` runs batches one after another in the caller's thread; more workers use a
    thread pool (numpy and scipy release the GIL in their kernels), at most ``workers`` batches
    in flight so memory stays bounded."""

    def __init__(self, *, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def map(self, fn: Callable[[In], Out], batches: Iterable[In]) -> Iterator[Out]:
        if self.workers <= 1:
            for batch in batches:
                yield fn(batch)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers)
        pending: list[Future[Out]] = []
        for batch in batches:
            pending.append(self._pool.submit(fn, batch))
            if len(pending) >= self.workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
