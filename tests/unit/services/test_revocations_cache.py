"""How late a logout is honoured when the store's "not revoked" answer is kept in process."""

from __future__ import annotations

from marquee.services.revocations import STORE_LIVE_CACHE_S, Revocations
from marquee.storage.kv.memory import MemoryStore


def test_a_logout_in_another_process_is_honoured_within_the_cache_bound() -> None:
    kv = MemoryStore()
    clock = [100.0]
    here = Revocations(kv=kv, db=None, ttl_s=900, monotonic=lambda: clock[0])
    elsewhere = Revocations(kv=kv, db=None, ttl_s=900, monotonic=lambda: clock[0])
    assert not here.is_revoked("s1")
    elsewhere.revoke("s1")
    clock[0] += STORE_LIVE_CACHE_S + 0.01
    assert here.is_revoked("s1")


def test_a_logout_in_this_process_is_honoured_at_once() -> None:
    here = Revocations(kv=MemoryStore(), db=None, ttl_s=900, monotonic=lambda: 100.0)
    assert not here.is_revoked("s1")
    here.revoke("s1")
    assert here.is_revoked("s1")
    assert not here.is_revoked("s2")


def test_the_cached_answer_is_unknown_until_the_store_has_been_read() -> None:
    # ``cached`` is what the API asks on its event loop: it must never guess "not revoked".
    clock = [100.0]
    here = Revocations(kv=MemoryStore(), db=None, ttl_s=900, monotonic=lambda: clock[0])
    assert here.cached("s1") is None
    assert not here.is_revoked("s1")
    assert here.cached("s1") is False
    clock[0] += STORE_LIVE_CACHE_S + 0.01
    assert here.cached("s1") is None
    here.revoke("s1")
    assert here.cached("s1") is True
