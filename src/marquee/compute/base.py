"""The executor interface batch jobs run their work through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Executor(Protocol):
    """Runs ``fn`` over batches and yields the results in the order of ``batches``.

    ``fn`` must be a plain function of its batch (no shared mutable state), so a remote
    executor can ship it to another process; results stream back so the caller can write
    and report progress as they arrive.
    """

    def map(self, fn: Callable[[In], Out], batches: Iterable[In]) -> Iterator[Out]: ...

    def close(self) -> None: ...
