"""The durable job queue over the ``jobs`` table, on SQLite and PostgreSQL alike.

A worker *claims* a job under a lease, extends the lease with heartbeats while it works, and
ends the job (complete, fail, canceled, release). A job whose lease runs out (its worker was
killed) is claimed again by the next worker, or failed once its attempts are spent.

Claiming is one transaction. PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` lets claimers pass
each other's rows; kinds with a concurrency limit are serialised by a transaction-scoped advisory
lock so "count the running ones, then claim" cannot overshoot. SQLite: the transaction starts
with a no-op write, which takes the database write lock (BEGIN IMMEDIATE semantics, see
``storage/db/locks.py``), so claimers take turns.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from marquee.clock import Clock, system_clock
from marquee.errors import Conflict, NotFound
from marquee.storage.db import Database
from marquee.storage.db.tables import Job
from marquee.storage.jobs.base import Backoff, JobRecord, JobState, LeaseLost

_MAX_SETTLE = 20  # dead jobs settled per claim before giving up this round
MESSAGE_LENGTH = 300


def _record(row: Job) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        state=JobState(row.state),
        priority=row.priority,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_at=row.run_at,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
        cancel_requested=row.cancel_requested,
        progress=row.progress,
        message=row.message,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )


def _clip(message: str | None) -> str | None:
    return None if message is None else message[:MESSAGE_LENGTH]


class JobQueue:
    """Enqueue, claim under a lease, heartbeat, and end jobs; every method is one transaction."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        backoff: Backoff | None = None,
        limits: Mapping[str, int] | None = None,
        default_max_attempts: int = 5,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.limits = dict(limits or {})  # kind → most jobs of that kind running at once
        self.default_max_attempts = default_max_attempts
        self._rng = rng or random.Random()

    # --- producers ----------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        max_attempts: int | None = None,
        run_at: datetime | None = None,
        priority: int = 0,
        session: Session | None = None,
    ) -> int:
        """Add a job; pass ``session`` to make it part of the caller's transaction."""
        now = self.clock()
        row = Job(
            kind=kind,
            payload=dict(payload or {}),
            state=JobState.QUEUED.value,
            priority=priority,
            attempts=0,
            max_attempts=max_attempts or self.default_max_attempts,
            run_at=run_at or now,
            cancel_requested=False,
            progress=0.0,
            created_at=now,
            updated_at=now,
        )
        with self._session(session) as s:
            s.add(row)
            s.flush()
            return row.id

    def get(self, job_id: int, *, session: Session | None = None) -> JobRecord:
        with self._session(session) as s:
            return _record(self._row(s, job_id))

    def get_many(
        self, job_ids: Sequence[int], *, session: Session | None = None
    ) -> dict[int, JobRecord]:
        """The jobs that exist among ``job_ids``, by id."""
        if not job_ids:
            return {}
        with self._session(session) as s:
            rows = s.scalars(select(Job).where(Job.id.in_(list(job_ids))))
            return {row.id: _record(row) for row in rows}

    def cancel(self, job_id: int, *, session: Session | None = None) -> JobRecord:
        """Queued: canceled at once. Running: flagged; its worker stops at its next check."""
        now = self.clock()
        with self._session(session) as s:
            row = self._row(s, job_id, lock=True)
            state = JobState(row.state)
            if state.finished:
                raise Conflict(f"job {job_id} has already {state.value}")
            if state is JobState.QUEUED:
                self._finish(row, JobState.CANCELED, now, message="canceled before it started")
            else:
                row.cancel_requested = True
                row.message = "cancel requested"
                row.updated_at = now
            return _record(row)

    # --- workers ------------------------------------------------------------------------

    def claim(self, worker_id: str, kinds: Sequence[str], *, lease_s: float) -> JobRecord | None:
        """Take the most urgent due job of ``kinds`` (or one whose lease ran out), or None."""
        now = self.clock()
        with self.db.session() as s:
            self._serialise(s, kinds)
            open_kinds = self._kinds_under_limit(s, kinds, now)
            for _ in range(_MAX_SETTLE):
                row = self._next_candidate(s, open_kinds, now) if open_kinds else None
                if row is None:
                    return None
                if self._settle_if_dead(row, now):
                    continue
                row.state = JobState.RUNNING.value
                row.attempts += 1
                row.lease_owner = worker_id
                row.lease_until = now + timedelta(seconds=lease_s)
                row.message = f"attempt {row.attempts} of {row.max_attempts} started"
                row.updated_at = now
                return _record(row)
        return None

    def heartbeat(
        self,
        job_id: int,
        worker_id: str,
        *,
        lease_s: float,
        progress: float | None = None,
        message: str | None = None,
    ) -> bool:
        """Extend the lease and record progress; return whether a cancel was requested.

        LeaseLost if this worker no longer holds the job.
        """
        now = self.clock()
        with self.db.session() as s:
            row = self._held(s, job_id, worker_id)
            row.lease_until = now + timedelta(seconds=lease_s)
            if progress is not None:
                row.progress = max(0.0, min(1.0, progress))
            if message is not None:
                row.message = _clip(message)
            row.updated_at = now
            return bool(row.cancel_requested)

    def complete(self, job_id: int, worker_id: str, *, message: str | None = None) -> JobRecord:
        now = self.clock()
        with self.db.session() as s:
            row = self._held(s, job_id, worker_id)
            row.progress = 1.0
            self._finish(row, JobState.SUCCEEDED, now, message=message or "done")
            return _record(row)

    def fail(self, job_id: int, worker_id: str, error: str, *, retry: bool = True) -> JobRecord:
        """Record ``error``; requeue with backoff while attempts remain and ``retry`` allows."""
        now = self.clock()
        with self.db.session() as s:
            row = self._held(s, job_id, worker_id)
            row.error = error
            if retry and row.attempts < row.max_attempts and not row.cancel_requested:
                delay = self.backoff.delay_s(row.attempts, self._rng)
                row.state = JobState.QUEUED.value
                row.run_at = now + timedelta(seconds=delay)
                row.lease_owner = row.lease_until = None
                row.message = _clip(f"attempt {row.attempts} failed; retrying in {delay:.0f} s")
                row.updated_at = now
            else:
                self._finish(row, JobState.FAILED, now, message="failed")
            return _record(row)

    def mark_canceled(self, job_id: int, worker_id: str) -> JobRecord:
        """The worker stopped the job because a cancel was requested."""
        now = self.clock()
        with self.db.session() as s:
            row = self._held(s, job_id, worker_id)
            self._finish(row, JobState.CANCELED, now, message="canceled")
            return _record(row)

    def release(self, job_id: int, worker_id: str) -> JobRecord:
        """Give the job back unfinished (the worker is stopping); the attempt does not count."""
        now = self.clock()
        with self.db.session() as s:
            row = self._held(s, job_id, worker_id)
            row.state = JobState.QUEUED.value
            row.attempts = max(0, row.attempts - 1)
            row.run_at = now
            row.lease_owner = row.lease_until = None
            row.message = "released by a stopping worker"
            row.updated_at = now
            return _record(row)

    # --- internals ----------------------------------------------------------------------

    @contextmanager
    def _session(self, session: Session | None) -> Iterator[Session]:
        """The caller's session (its transaction), or a unit of work of our own."""
        if session is not None:
            yield session
            return
        with self.db.session() as s:
            yield s

    def _row(self, s: Session, job_id: int, *, lock: bool = False) -> Job:
        query = select(Job).where(Job.id == job_id)
        row = s.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"no job {job_id}")
        return row

    def _held(self, s: Session, job_id: int, worker_id: str) -> Job:
        row = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).one_or_none()
        if row is None or row.state != JobState.RUNNING.value or row.lease_owner != worker_id:
            raise LeaseLost(job_id)
        return row

    def _serialise(self, s: Session, kinds: Sequence[str]) -> None:
        if self.db.dialect == "sqlite":
            s.execute(update(Job).where(Job.id == -1).values(state=Job.state))
            return
        for kind in sorted(k for k in kinds if k in self.limits):
            s.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                {"name": f"marquee.jobs.{kind}"},
            )

    def _kinds_under_limit(self, s: Session, kinds: Sequence[str], now: datetime) -> list[str]:
        limited = [k for k in kinds if k in self.limits]
        running: dict[str, int] = {}
        if limited:
            counts = s.execute(
                select(Job.kind, func.count())
                .where(
                    Job.kind.in_(limited),
                    Job.state == JobState.RUNNING.value,
                    Job.lease_until >= now,
                )
                .group_by(Job.kind)
            )
            running = {kind: int(n) for kind, n in counts}
        return [k for k in kinds if running.get(k, 0) < self.limits.get(k, 1 << 30)]

    def _next_candidate(self, s: Session, kinds: list[str], now: datetime) -> Job | None:
        due = (Job.state == JobState.QUEUED.value) & (Job.run_at <= now)
        orphaned = (Job.state == JobState.RUNNING.value) & (Job.lease_until < now)
        query = (
            select(Job)
            .where(Job.kind.in_(kinds), due | orphaned)
            .order_by(Job.priority.desc(), Job.run_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return s.scalars(query).one_or_none()

    def _settle_if_dead(self, row: Job, now: datetime) -> bool:
        """End an orphaned job that must not run again; True if it was settled."""
        if row.state != JobState.RUNNING.value:
            return False
        if row.cancel_requested:
            self._finish(row, JobState.CANCELED, now, message="canceled (its worker stopped)")
            return True
        if row.attempts >= row.max_attempts:
            row.error = row.error or (
                f"the worker running it stopped responding on each of {row.attempts} attempts"
            )
            self._finish(row, JobState.FAILED, now, message="failed")
            return True
        return False

    @staticmethod
    def _finish(row: Job, state: JobState, now: datetime, *, message: str) -> None:
        row.state = state.value
        row.lease_owner = row.lease_until = None
        row.message = message
        row.finished_at = row.updated_at = now
