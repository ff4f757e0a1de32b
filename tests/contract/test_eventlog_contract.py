"""One contract every event-log backend passes: SQLite (embedded) and Redis Streams (production)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from marquee.storage.eventlog import EventLog, LogRecord
from tests.services import REDIS_URL, need, unique_namespace

IDLE_MS = 50


@pytest.fixture(params=["sqlite", "redis"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventLog]:
    backend: EventLog
    if request.param == "sqlite":
        from marquee.storage.eventlog.sqlite import SqliteEventLog

        backend = SqliteEventLog(tmp_path / "events.db")
        yield backend
        backend.close()
        return
    need("redis")
    import redis

    from marquee.storage.eventlog.redis_streams import RedisStreamsEventLog

    prefix = unique_namespace()
    backend = RedisStreamsEventLog(REDIS_URL, prefix=prefix, partitions=4)
    yield backend
    backend.close()
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def record(n: int, profile_id: int = 1) -> LogRecord:
    payload = json.dumps({"n": n, "profile_id": profile_id}).encode()
    return LogRecord(
        event_id=f"event-{profile_id:04d}-{n:06d}", profile_id=profile_id, payload=payload
    )


def numbers(entries: list) -> list[int]:  # type: ignore[type-arg]
    return [json.loads(entry.payload)["n"] for entry in entries]


def test_appended_events_are_read_once_and_acked(log: EventLog) -> None:
    assert log.append([record(1), record(2)]) == 2
    entries = log.read("proc", "c1", count=10)
    assert numbers(entries) == [1, 2]
    assert entries[0].event_id == "event-0001-000001"
    assert entries[0].profile_id == 1
    assert log.read("proc", "c1", count=10) == []
    assert log.ack("proc", [e.entry_id for e in entries]) == 2
    assert log.pending("proc") == []


def test_a_duplicate_event_id_is_stored_once(log: EventLog) -> None:
    assert log.append([record(1)]) == 1
    assert log.append([record(1), record(2)]) == 1
    assert log.append([record(3), record(3)]) == 1
    assert sorted(numbers(log.read("proc", "c1", count=10))) == [1, 2, 3]


def test_each_group_gets_every_event(log: EventLog) -> None:
    log.append([record(1), record(2)])
    assert numbers(log.read("lake", "a", count=10)) == [1, 2]
    assert numbers(log.read("proc", "a", count=10)) == [1, 2]


def test_two_consumers_in_a_group_split_the_work(log: EventLog) -> None:
    log.append([record(n, profile_id=p) for p in range(1, 9) for n in range(5)])
    first = log.read("proc", "c1", count=20)
    second = log.read("proc", "c2", count=100)
    assert len(first) == 20
    assert len(second) == 20
    assert not {e.event_id for e in first} & {e.event_id for e in second}


def test_unacked_entries_of_a_dead_consumer_are_claimed_after_idle_time(log: EventLog) -> None:
    log.append([record(1), record(2)])
    dead = log.read("proc", "dead", count=10)
    assert log.claim("proc", "alive", min_idle_ms=60_000, count=10) == []
    time.sleep(IDLE_MS * 2 / 1000)
    claimed = log.claim("proc", "alive", min_idle_ms=IDLE_MS, count=10)
    assert sorted(numbers(claimed)) == [1, 2]
    assert {p.consumer for p in log.pending("proc")} == {"alive"}
    assert all(p.deliveries == 2 for p in log.pending("proc"))
    assert log.ack("proc", [e.entry_id for e in claimed]) == 2
    assert log.ack("proc", [e.entry_id for e in dead]) == 0


def test_order_per_profile_is_preserved(log: EventLog) -> None:
    log.append([record(n, profile_id=p) for n in range(20) for p in (1, 2, 3)])
    seen: dict[int, list[int]] = {}
    while batch := log.read("proc", "c1", count=7):
        for entry in batch:
            seen.setdefault(entry.profile_id, []).append(json.loads(entry.payload)["n"])
    assert seen == {p: list(range(20)) for p in (1, 2, 3)}


def test_retention_trims_only_what_every_group_acknowledged(log: EventLog) -> None:
    log.append([record(n) for n in range(6)])
    lake = log.read("lake", "a", count=6)
    proc = log.read("proc", "a", count=3)
    log.ack("lake", [e.entry_id for e in lake])
    log.ack("proc", [e.entry_id for e in proc[:2]])
    assert log.trim(groups=["lake", "proc"]) == 2
    assert log.trim(groups=["lake", "never-read"]) == 0
    # The unacked third entry and the unread rest are still there for "proc".
    time.sleep(IDLE_MS * 2 / 1000)
    assert numbers(log.claim("proc", "b", min_idle_ms=IDLE_MS, count=10)) == [2]
    assert numbers(log.read("proc", "b", count=10)) == [3, 4, 5]


def test_a_trimmed_event_id_is_still_deduplicated(log: EventLog) -> None:
    log.append([record(1)])
    entries = log.read("proc", "a", count=1)
    log.ack("proc", [e.entry_id for e in entries])
    log.trim(groups=["proc"])
    assert log.append([record(1)]) == 0


def test_read_waits_for_block_ms_when_empty(log: EventLog) -> None:
    started = time.monotonic()
    assert log.read("proc", "a", count=5, block_ms=100) == []
    assert time.monotonic() - started >= 0.09


def test_deleting_a_profile_erases_its_entries_read_or_not(log: EventLog) -> None:
    log.append([record(n, profile_id=p) for n in range(3) for p in (1, 2)])
    delivered = log.read("proc", "a", count=2)
    assert log.delete_profile(1) == 3
    assert log.delete_profile(1) == 0
    assert all(
        p.entry_id not in {e.entry_id for e in delivered if e.profile_id == 1}
        for p in log.pending("proc")
    )
    rest = delivered + log.read("proc", "a", count=10)
    assert sorted(
        (e.profile_id, json.loads(e.payload)["n"]) for e in rest if e.profile_id == 2
    ) == [(2, 0), (2, 1), (2, 2)]
    assert not [e for e in log.read("lake", "b", count=10) if e.profile_id == 1]
    # The erased ids stay known, so a resent event does not bring the profile back.
    assert log.append([record(0, profile_id=1)]) == 0


def test_deleting_a_profile_spares_a_profile_sharing_its_partition(log: EventLog) -> None:
    log.append([record(n, profile_id=p) for n in range(2) for p in range(1, 40)])
    assert log.delete_profile(7) == 2
    seen = {e.profile_id for e in log.read("lake", "a", count=200)}
    assert seen == set(range(1, 40)) - {7}


def test_a_profiles_entries_are_listed_oldest_first(log: EventLog) -> None:
    log.append([record(n, profile_id=p) for n in range(3) for p in (1, 2)])
    entries = log.profile_entries(2)
    assert [(e.profile_id, json.loads(e.payload)["n"]) for e in entries] == [(2, 0), (2, 1), (2, 2)]
    assert log.profile_entries(99) == []
