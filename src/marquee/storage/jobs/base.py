"""The job queue's vocabulary: job snapshots, states, the retry schedule, and its errors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from marquee.errors import MarqueeError


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


@dataclass(frozen=True)
class JobRecord:
    """A snapshot of one job row, safe to hand across threads and out of a session."""

    id: int
    kind: str
    payload: dict[str, Any]
    state: JobState
    priority: int
    attempts: int
    max_attempts: int
    run_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    cancel_requested: bool
    progress: float
    message: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class LeaseLost(MarqueeError):
    """The worker no longer holds the job (its lease expired and it was reclaimed, or it ended)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id}: the lease is no longer held by this worker")
        self.job_id = job_id


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits ``base·2^(n-1)``, at most ``cap``.

    The jitter spreads the retries of jobs that failed together (a backend outage) so they do
    not all come back at the same instant; each delay is drawn from [½, 1] of the nominal one.
    """

    base_s: float = 10.0
    cap_s: float = 600.0

    def delay_s(self, attempt: int, rng: random.Random | None = None) -> float:
        nominal = min(self.cap_s, self.base_s * 2.0 ** max(0, attempt - 1))
        draw: float = (rng or random.Random()).random()
        return nominal * (0.5 + 0.5 * draw)


class JobContext(Protocol):
    """What a running job's handler may do besides its work: report and check for a stop."""

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record how far the job is (0..1); written to the job row with the next heartbeat."""
        ...

    def should_cancel(self) -> bool:
        """True when the handler must stop now (canceled, worker stopping, or lease lost)."""
        ...

    def cancel_requested(self) -> bool:
        """True when a user canceled the job (as opposed to the worker stopping)."""
        ...


class JobCanceled(MarqueeError):
    """Raised by a handler that stopped because ``should_cancel()`` turned true."""


class PermanentJobError(MarqueeError):
    """A failure that retrying cannot fix (e.g. the source is not a video); fails the job now."""


class JobHandler(Protocol):
    """Does the work of one job kind. Returning means success; raising means failure."""

    def __call__(self, job: JobRecord, ctx: JobContext) -> None: ...
