"""Stream leases hold under concurrency on every online store: N racers, exactly `limit` win."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from marquee.clock import system_clock
from marquee.services.stream_leases import Lease, StreamLeases
from marquee.storage.kv import OnlineStore
from marquee.storage.kv.redis import RedisStore
from marquee.storage.kv.sqlite import SqliteStore
from tests.services import REDIS_URL, need, unique_namespace


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OnlineStore]:
    if request.param == "redis":
        need("redis")
        kv: OnlineStore = RedisStore(REDIS_URL, namespace=unique_namespace())
    else:
        kv = SqliteStore(tmp_path / "online.db", namespace=unique_namespace())
    yield kv
    kv.delete_prefix("")
    kv.close()


def test_racing_starts_never_exceed_the_limit(store: OnlineStore) -> None:
    leases = StreamLeases(kv=store, clock=system_clock, ttl_s=30)
    won: list[str] = []
    barrier = threading.Barrier(8)

    def race(n: int) -> None:
        barrier.wait()
        got = leases.acquire(account_id=7, session_id=f"session-{n:04d}", profile_id=1, limit=2)
        if isinstance(got, Lease):
            won.append(got.session_id)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 2
    assert sorted(lease.session_id for lease in leases.active(7)) == sorted(won)
    assert leases.release(account_id=7, session_id=won[0]) is True
    assert leases.release(account_id=7, session_id=won[0]) is False
    assert len(leases.active(7)) == 1
