"""The durable job queue: transcodes and other background work, claimed under leases."""

from marquee.storage.jobs.base import (
    Backoff,
    JobCanceled,
    JobContext,
    JobHandler,
    JobRecord,
    JobState,
    LeaseLost,
    PermanentJobError,
)
from marquee.storage.jobs.queue import JobQueue

__all__ = [
    "Backoff",
    "JobCanceled",
    "JobContext",
    "JobHandler",
    "JobQueue",
    "JobRecord",
    "JobState",
    "LeaseLost",
    "PermanentJobError",
]
