"""The archiver moves the event log into the lake exactly once in effect, on both stacks."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import timedelta

from marquee.bootstrap import Container
from marquee.domain.events import Event
from marquee.services.archiver import ARCHIVE_GROUP, Archiver, LakeLoop
from marquee.services.privacy import PrivacyService
from marquee.services.profiles import ProfileDraft
from marquee.storage.lake import envelopes_to_table
from marquee.storage.lake.iceberg import IcebergLake
from tests.conftest import MakeCaller


def profile(container: Container, make_caller: MakeCaller, name: str = "Ana") -> int:
    caller = make_caller()
    draft = ProfileDraft(name=name)
    return container.accounts.create_profile(account_id=caller.account_id, draft=draft).id


def events(container: Container, profile_id: int, start: int, count: int) -> list[Event]:
    now = container.clock()
    return [
        Event(
            event_id=f"ev-{profile_id}-{n:06d}",
            type="play_start",
            profile_id=profile_id,
            session_id="s-1",
            item={"title_id": 1 + n % 7},
            client_time=now - timedelta(hours=n % 48),
            server_time=now,
        )
        for n in range(start, start + count)
    ]


def archiver(container: Container, consumer: str, **kwargs: object) -> Archiver:
    return Archiver(
        event_log=container.event_log,
        lake=container.lake,
        db=container.db,
        batch=40,
        consumer=consumer,
        **kwargs,  # type: ignore[arg-type]
    )


def lake_ids(container: Container) -> list[str]:
    return container.lake.scan(columns=["event_id"]).column("event_id").to_pylist()


def test_everything_in_the_log_lands_in_the_lake_once(
    container: Container, make_caller: MakeCaller
) -> None:
    pid = profile(container, make_caller)
    container.events.publish(events(container, pid, 0, 100))
    report = container.archiver.drain()
    assert (report.read, report.added, report.acked) == (100, 100, 100)
    assert container.archiver.drain().read == 0
    assert sorted(lake_ids(container)) == sorted(e.event_id for e in events(container, pid, 0, 100))
    assert container.event_log.pending(ARCHIVE_GROUP) == []


def test_a_crash_between_commit_and_ack_adds_nothing_twice(
    container: Container, make_caller: MakeCaller
) -> None:
    pid = profile(container, make_caller)
    sent = events(container, pid, 0, 120)
    container.events.publish(sent)
    # The first archiver commits one batch to the lake and dies before acknowledging it.
    lost = container.event_log.read(ARCHIVE_GROUP, "dead", count=40)
    assert container.lake.append(envelopes_to_table(json.loads(e.payload) for e in lost)) == 40
    # Clients resend 10 % of their events; the restarted archiver reclaims the dead one's batch.
    resent = random.Random(4).sample(sent, 12)
    assert container.events.publish(resent) == 0
    restarted = archiver(container, "restarted", claim_idle_ms=0)
    report = restarted.drain()
    assert report.added == 80
    assert report.acked == 120
    assert sorted(lake_ids(container)) == sorted(e.event_id for e in sent)
    assert container.event_log.pending(ARCHIVE_GROUP) == []


def test_a_rearchived_batch_from_another_log_adds_nothing(
    container: Container, make_caller: MakeCaller
) -> None:
    pid = profile(container, make_caller)
    sent = events(container, pid, 0, 30)
    container.events.publish(sent)
    container.archiver.drain()
    # The same events replayed (a restored log): the lake dedups by event id.
    replay = envelopes_to_table(e.model_dump(mode="json") for e in sent)
    assert container.lake.append(replay) == 0
    assert len(lake_ids(container)) == 30


def test_events_of_a_deleted_profile_in_flight_do_not_reach_the_lake(
    container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    keep = container.accounts.create_profile(
        account_id=caller.account_id, draft=ProfileDraft(name="Keep")
    ).id
    gone = container.accounts.create_profile(
        account_id=caller.account_id, draft=ProfileDraft(name="Gone")
    ).id
    container.events.publish(events(container, keep, 0, 5) + events(container, gone, 0, 5))
    container.accounts.delete_profile(account_id=caller.account_id, profile_id=gone)
    container.archiver.drain()
    assert set(container.lake.scan().column("profile_id").to_pylist()) == {keep}


def test_archived_entries_are_trimmed_once_every_retained_group_has_them(
    container: Container, make_caller: MakeCaller
) -> None:
    pid = profile(container, make_caller)
    container.events.publish(events(container, pid, 0, 50))
    holder = archiver(container, "a", retain_for=["features-test"])
    holder.drain()
    assert holder.trim() == 0  # the other group has not read anything yet
    entries = container.event_log.read("features-test", "f", count=100)
    container.event_log.ack("features-test", [e.entry_id for e in entries[:30]])
    assert holder.trim() == 30
    assert len(lake_ids(container)) == 50


def test_the_lake_loop_archives_in_the_background_until_stopped(
    container: Container, make_caller: MakeCaller
) -> None:
    pid = profile(container, make_caller)
    settings = container.settings.lake.model_copy(update={"archive_interval_s": 0.05})
    loop = LakeLoop(archiver=container.archiver, lake=container.lake, settings=settings)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    try:
        container.events.publish(events(container, pid, 0, 25))
        deadline = time.monotonic() + 30
        while len(lake_ids(container)) < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(lake_ids(container)) == 25


def test_an_erasure_interrupted_by_an_unreachable_lake_is_finished_later(
    container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    keep, gone = (
        container.accounts.create_profile(
            account_id=caller.account_id, draft=ProfileDraft(name=n)
        ).id
        for n in ("Keep", "Gone")
    )
    container.events.publish(events(container, gone, 0, 6))
    container.archiver.drain()
    dead_lake = IcebergLake(
        warehouse=container.settings.lake_url,
        catalog_url="postgresql://postgres@127.0.0.1:1/none",
        catalog="dead",
        namespace="dead",
    )
    args = {"accounts": container.accounts, "event_log": container.event_log, "kv": container.kv}
    broken = PrivacyService(lake=dead_lake, clock=container.clock, **args)  # type: ignore[arg-type]
    report = broken.delete_profile(account_id=caller.account_id, profile_id=gone)
    assert report.incomplete == ["lake"]
    assert container.privacy.pending_erasures() == [gone]
    assert container.lake.scan(profile_ids=[gone]).num_rows == 6
    [resumed] = container.privacy.resume_erasures()
    assert (resumed.lake_rows, resumed.incomplete) == (6, [])
    assert container.lake.scan(profile_ids=[gone]).num_rows == 0
    assert container.privacy.pending_erasures() == []
    assert keep != gone
