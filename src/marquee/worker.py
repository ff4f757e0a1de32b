"""The worker: background loops (job runners, the upload janitor, ...) in threads of one process.

``Worker(container, loops)`` runs each loop in its own thread until ``stop()``. A loop is any
object with a ``name`` and ``run(stop: threading.Event)`` that returns soon after ``stop`` is
set. ``default_loops(container)`` composes the standard set; add a loop there with one line.
``marquee worker`` runs them as a process; ``marquee serve``/``demo`` run the same loops as
daemon threads when ``media.embedded_worker`` is on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

from marquee.bootstrap import Container
from marquee.features.processor import StreamProcessor
from marquee.services.archiver import LakeLoop
from marquee.services.transcode_job import TranscodeJob
from marquee.storage.jobs import (
    JobCanceled,
    JobHandler,
    JobQueue,
    JobRecord,
    LeaseLost,
    PermanentJobError,
)

log = logging.getLogger("marquee.worker")
RESTART_DELAY_S = 5.0


class Loop(Protocol):
    """A background activity the worker runs in its own thread."""

    name: str

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; return promptly after that."""
        ...


def worker_id(name: str) -> str:
    """Unique per thread and process, readable in the jobs table (``host:pid:loop``)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{name}"[:64]


class _RunningJob:
    """The handler's view of its job (``JobContext``) plus the heartbeat thread behind it.

    Progress is kept in memory and written with the next heartbeat, so a chatty handler costs
    one row update per heartbeat interval, not one per ffmpeg progress line.
    """

    def __init__(
        self, queue: JobQueue, job: JobRecord, owner: str, lease_s: float, stop: threading.Event
    ) -> None:
        self._queue, self._job, self._owner, self._lease_s = queue, job, owner, lease_s
        self._worker_stopping = stop
        self._done = threading.Event()
        self._canceled = job.cancel_requested
        self._lost = False
        self._progress: float | None = None
        self._message: str | None = None
        self._beat = threading.Thread(target=self._heartbeats, name=f"hb-{job.id}", daemon=True)

    def __enter__(self) -> _RunningJob:
        self._beat.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        self._beat.join(timeout=self._lease_s)

    def progress(self, fraction: float, message: str | None = None) -> None:
        self._progress = fraction
        if message is not None:
            self._message = message

    def should_cancel(self) -> bool:
        return self._canceled or self._lost or self._worker_stopping.is_set()

    def cancel_requested(self) -> bool:
        return self._canceled

    @property
    def lease_lost(self) -> bool:
        return self._lost

    def _heartbeats(self) -> None:
        while not self._done.wait(self._lease_s / 3):
            try:
                self._canceled = self._queue.heartbeat(
                    self._job.id,
                    self._owner,
                    lease_s=self._lease_s,
                    progress=self._progress,
                    message=self._message,
                )
            except LeaseLost:
                log.warning("job %s: lease lost; stopping it", self._job.id)
                self._lost = True
                return
            except Exception:  # the database hiccuped; the lease has slack for a retry
                log.exception("job %s: heartbeat failed", self._job.id)


class JobRunner:
    """Claims due jobs of the kinds it has handlers for and runs them one at a time."""

    def __init__(
        self,
        name: str,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        *,
        lease_s: float,
        poll_s: float,
    ) -> None:
        self.name = name
        self.queue = queue
        self.handlers = dict(handlers)
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.owner = worker_id(name)

    def run(self, stop: threading.Event) -> None:
        kinds = sorted(self.handlers)
        while not stop.is_set():
            try:
                job = self.queue.claim(self.owner, kinds, lease_s=self.lease_s)
            except Exception:
                log.exception("%s: could not claim a job", self.name)
                job = None
            if job is None:
                stop.wait(self.poll_s)
                continue
            self.execute(job, stop)

    def drain(self, stop: threading.Event) -> int:
        """Run due jobs until none is left (one-shot commands); returns how many ran."""
        ran = 0
        while not stop.is_set():
            job = self.queue.claim(self.owner, sorted(self.handlers), lease_s=self.lease_s)
            if job is None:
                return ran
            self.execute(job, stop)
            ran += 1
        return ran

    def execute(self, job: JobRecord, stop: threading.Event) -> None:
        """Run one claimed job and record how it ended."""
        log.info("%s: job %s (%s) attempt %s", self.name, job.id, job.kind, job.attempts)
        with _RunningJob(self.queue, job, self.owner, self.lease_s, stop) as ctx:
            try:
                self.handlers[job.kind](job, ctx)
            except JobCanceled:
                self._settle(job, ctx)
            except PermanentJobError as exc:
                refused = str(exc)
                self._end(job, lambda: self.queue.fail(job.id, self.owner, refused, retry=False))
            except Exception as exc:
                log.exception("job %s failed", job.id)
                reason = str(exc) or type(exc).__name__
                self._end(job, lambda: self.queue.fail(job.id, self.owner, reason))
            else:
                self._end(job, lambda: self.queue.complete(job.id, self.owner))

    def _settle(self, job: JobRecord, ctx: _RunningJob) -> None:
        if ctx.lease_lost:
            return  # another worker owns the job now
        if ctx.cancel_requested():
            self._end(job, lambda: self.queue.mark_canceled(job.id, self.owner))
        else:  # this worker is stopping: hand the job back for the next one
            self._end(job, lambda: self.queue.release(job.id, self.owner))

    def _end(self, job: JobRecord, action: Callable[[], JobRecord]) -> None:
        try:
            ended = action()
            log.info("job %s: %s", job.id, ended.state.value)
        except LeaseLost:
            log.warning("job %s: ended after its lease was lost; the outcome is dropped", job.id)


class UploadJanitor:
    """Discards unfinished uploads past their expiry (tus expiration)."""

    name = "upload-janitor"

    def __init__(self, container: Container, *, every_s: float = 60.0) -> None:
        self.container = container
        self.every_s = every_s

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.every_s):
            try:
                while self.container.uploads.expire():
                    pass
            except Exception:
                log.exception("upload janitor failed; trying again later")


def default_loops(container: Container, *, concurrency: int | None = None) -> list[Loop]:
    """The standard loops: N transcode runners and the upload janitor. Add new loops here."""
    media = container.settings.media
    transcode = TranscodeJob(
        db=container.db,
        blobs=container.blobs,
        settings=media,
        work_dir=Path(container.settings.data_dir).resolve() / "work",
    )
    handlers: dict[str, JobHandler] = {transcode.kind: transcode}
    loops: list[Loop] = [
        JobRunner(
            f"jobs-{n + 1}",
            container.jobs,
            handlers,
            lease_s=media.job_lease_s,
            poll_s=media.job_poll_s,
        )
        for n in range(concurrency or media.transcode_concurrency)
    ]
    loops.append(UploadJanitor(container))
    loops.append(StreamProcessor(event_log=container.event_log, features=container.features))
    loops.append(
        LakeLoop(
            archiver=container.archiver,
            lake=container.lake,
            settings=container.settings.lake,
            idle_tasks=[container.privacy.resume_erasures],
        )
    )
    return loops


class Worker:
    """Runs ``loops`` in threads; ``stop()`` asks them to finish and waits."""

    def __init__(self, container: Container, loops: Sequence[Loop]) -> None:
        self.container = container
        self.loops = list(loops)
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, *, daemon: bool = False) -> None:
        for loop in self.loops:
            thread = threading.Thread(
                target=self._guarded, args=(loop,), name=f"marquee-{loop.name}", daemon=daemon
            )
            thread.start()
            self._threads.append(thread)
        log.info("worker started: %s", ", ".join(loop.name for loop in self.loops))

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask every loop to stop (running jobs are handed back) and wait up to ``timeout_s``."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        log.info("worker stopped")

    def wait(self) -> None:
        """Block until ``stop()`` is called (from a signal handler, say)."""
        while not self.stopping.wait(1.0):
            pass

    def _guarded(self, loop: Loop) -> None:
        # A loop that crashes is restarted: one bad job or outage must not end the process.
        while not self.stopping.is_set():
            try:
                loop.run(self.stopping)
            except Exception:
                log.exception("loop %s crashed; restarting in %s s", loop.name, RESTART_DELAY_S)
                self.stopping.wait(RESTART_DELAY_S)
            else:
                return


def start_embedded(container: Container) -> Worker:
    """The worker as daemon threads inside an API process (embedded mode)."""
    worker = Worker(container, default_loops(container))
    worker.start(daemon=True)
    return worker
