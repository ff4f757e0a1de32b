"""The durable job queue's promises, on SQLite and on PostgreSQL (the ``stack`` fixture)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.errors import Conflict, NotFound
from marquee.storage.jobs import Backoff, JobQueue, JobState, LeaseLost

LEASE = 30.0


@pytest.fixture
def queue(container: Container, clock: ManualClock) -> JobQueue:
    return JobQueue(
        container.db, clock=clock, backoff=Backoff(base_s=10, cap_s=100), rng=random.Random(7)
    )


def test_enqueued_job_is_queued_and_readable(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode", {"asset_id": 3}, max_attempts=4)
    job = queue.get(job_id)
    assert (job.kind, job.payload, job.state) == ("transcode", {"asset_id": 3}, JobState.QUEUED)
    assert (job.attempts, job.max_attempts, job.progress) == (0, 4, 0.0)
    with pytest.raises(NotFound):
        queue.get(job_id + 1000)


def test_claim_takes_due_jobs_by_priority_then_age(queue: JobQueue, clock: ManualClock) -> None:
    old = queue.enqueue("transcode", {"n": 1})
    clock.advance(seconds=1)
    urgent = queue.enqueue("transcode", {"n": 2}, priority=5)
    later = queue.enqueue("transcode", {"n": 3}, run_at=clock() + timedelta(minutes=5))
    queue.enqueue("other", {})
    claimed = [queue.claim("w", ["transcode"], lease_s=3600) for _ in range(3)]
    assert [j.id if j else None for j in claimed] == [urgent, old, None]
    clock.advance(minutes=5)
    job = queue.claim("w", ["transcode"], lease_s=LEASE)
    assert job is not None
    assert job.id == later
    assert job.state is JobState.RUNNING
    assert job.attempts == 1
    assert job.lease_owner == "w"
    assert job.lease_until == clock() + timedelta(seconds=LEASE)


def test_heartbeat_extends_the_lease_and_records_progress(
    queue: JobQueue, clock: ManualClock
) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("w1", ["transcode"], lease_s=LEASE)
    clock.advance(seconds=20)
    assert queue.heartbeat(job_id, "w1", lease_s=LEASE, progress=0.4, message="720p") is False
    clock.advance(seconds=20)  # past the first lease, within the extended one
    assert queue.claim("w2", ["transcode"], lease_s=LEASE) is None
    job = queue.get(job_id)
    assert (job.progress, job.message, job.lease_owner) == (0.4, "720p", "w1")


def test_complete_ends_the_job_and_the_lease(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("w1", ["transcode"], lease_s=LEASE)
    done = queue.complete(job_id, "w1")
    assert done.state is JobState.SUCCEEDED
    assert done.progress == 1.0
    assert done.finished_at is not None
    with pytest.raises(LeaseLost):
        queue.heartbeat(job_id, "w1", lease_s=LEASE)
    with pytest.raises(Conflict):
        queue.cancel(job_id)


def test_failures_retry_with_growing_backoff_then_fail_with_the_error(
    queue: JobQueue, clock: ManualClock
) -> None:
    job_id = queue.enqueue("transcode", max_attempts=3)
    waits = []
    for _ in range(2):
        claimed = queue.claim("w", ["transcode"], lease_s=LEASE)
        assert claimed is not None
        job = queue.fail(job_id, "w", "ffmpeg exited with status 1")
        assert job.state is JobState.QUEUED
        waits.append((job.run_at - clock()).total_seconds())
        assert queue.claim("w", ["transcode"], lease_s=LEASE) is None  # not due yet
        clock.advance(seconds=waits[-1])
    assert 5 <= waits[0] <= 10
    assert 10 <= waits[1] <= 20
    queue.claim("w", ["transcode"], lease_s=LEASE)
    final = queue.fail(job_id, "w", "ffmpeg exited with status 1")
    assert final.state is JobState.FAILED
    assert final.attempts == 3
    assert final.error == "ffmpeg exited with status 1"
    assert queue.claim("w", ["transcode"], lease_s=LEASE) is None


def test_a_permanent_failure_is_not_retried(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode", max_attempts=5)
    queue.claim("w", ["transcode"], lease_s=LEASE)
    job = queue.fail(job_id, "w", "not a video: no video stream", retry=False)
    assert (job.state, job.attempts) == (JobState.FAILED, 1)


def test_cancel_a_queued_job_at_once(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode")
    assert queue.cancel(job_id).state is JobState.CANCELED
    assert queue.claim("w", ["transcode"], lease_s=LEASE) is None


def test_cancel_a_running_job_through_its_worker(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("w", ["transcode"], lease_s=LEASE)
    requested = queue.cancel(job_id)
    assert (requested.state, requested.cancel_requested) == (JobState.RUNNING, True)
    assert queue.heartbeat(job_id, "w", lease_s=LEASE) is True
    assert queue.mark_canceled(job_id, "w").state is JobState.CANCELED


def test_a_dead_workers_job_runs_again_after_its_lease_expires(
    queue: JobQueue, clock: ManualClock
) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("dead", ["transcode"], lease_s=LEASE)
    clock.advance(seconds=LEASE - 1)
    assert queue.claim("alive", ["transcode"], lease_s=LEASE) is None
    clock.advance(seconds=2)
    again = queue.claim("alive", ["transcode"], lease_s=LEASE)
    assert again is not None
    assert (again.id, again.attempts, again.lease_owner) == (job_id, 2, "alive")
    with pytest.raises(LeaseLost):
        queue.complete(job_id, "dead")
    assert queue.complete(job_id, "alive").state is JobState.SUCCEEDED


def test_an_orphan_out_of_attempts_fails_with_a_readable_error(
    queue: JobQueue, clock: ManualClock
) -> None:
    job_id = queue.enqueue("transcode", max_attempts=1)
    queue.claim("dead", ["transcode"], lease_s=LEASE)
    clock.advance(seconds=LEASE + 1)
    assert queue.claim("alive", ["transcode"], lease_s=LEASE) is None
    job = queue.get(job_id)
    assert job.state is JobState.FAILED
    assert job.error is not None
    assert "stopped responding" in job.error


def test_an_orphan_whose_cancel_was_requested_ends_canceled(
    queue: JobQueue, clock: ManualClock
) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("dead", ["transcode"], lease_s=LEASE)
    queue.cancel(job_id)
    clock.advance(seconds=LEASE + 1)
    assert queue.claim("alive", ["transcode"], lease_s=LEASE) is None
    assert queue.get(job_id).state is JobState.CANCELED


def test_release_gives_the_job_back_without_spending_an_attempt(queue: JobQueue) -> None:
    job_id = queue.enqueue("transcode")
    queue.claim("stopping", ["transcode"], lease_s=LEASE)
    released = queue.release(job_id, "stopping")
    assert (released.state, released.attempts) == (JobState.QUEUED, 0)
    again = queue.claim("next", ["transcode"], lease_s=LEASE)
    assert again is not None
    assert again.attempts == 1


def test_concurrency_limit_per_kind(container: Container, clock: ManualClock) -> None:
    queue = JobQueue(container.db, clock=clock, limits={"transcode": 1})
    first, _second = queue.enqueue("transcode"), queue.enqueue("transcode")
    other = queue.enqueue("thumbnail")
    assert queue.claim("w1", ["transcode"], lease_s=LEASE) is not None
    assert queue.claim("w2", ["transcode"], lease_s=LEASE) is None
    unlimited = queue.claim("w2", ["transcode", "thumbnail"], lease_s=LEASE)
    assert unlimited is not None
    assert unlimited.id == other
    queue.complete(first, "w1")
    assert queue.claim("w2", ["transcode"], lease_s=LEASE) is not None


def _claim_into(queue: JobQueue, won: list[int]) -> Callable[[int], None]:
    def claim(n: int) -> None:
        if queue.claim(f"w{n}", ["transcode"], lease_s=LEASE) is not None:
            won.append(n)

    return claim


def _race(claimers: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(claimers)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


@pytest.mark.parametrize("round_", range(5))
def test_two_claimers_racing_for_one_job_one_wins(queue: JobQueue, round_: int) -> None:
    job_id = queue.enqueue("transcode", {"round": round_})
    won: list[int] = []
    _race(2, _claim_into(queue, won))
    assert len(won) == 1
    assert queue.get(job_id).lease_owner == f"w{won[0]}"


def test_many_claimers_take_each_job_exactly_once(queue: JobQueue) -> None:
    jobs = {queue.enqueue("transcode", {"n": n}) for n in range(24)}
    taken: Counter[int] = Counter()
    lock = threading.Lock()

    def drain(n: int) -> None:
        while (job := queue.claim(f"w{n}", ["transcode"], lease_s=LEASE)) is not None:
            with lock:
                taken[job.id] += 1
            queue.complete(job.id, f"w{n}")

    _race(4, drain)
    assert set(taken) == jobs
    assert set(taken.values()) == {1}


def test_racing_claimers_respect_the_concurrency_limit(
    container: Container, clock: ManualClock
) -> None:
    queue = JobQueue(container.db, clock=clock, limits={"transcode": 2})
    for n in range(6):
        queue.enqueue("transcode", {"n": n})
    won: list[int] = []
    _race(5, _claim_into(queue, won))
    assert len(won) == 2
