"""The behaviour every online store promises, run against memory, SQLite and a real Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from marquee.storage.kv import OnlineStore
from marquee.storage.kv.memory import MemoryStore
from marquee.storage.kv.redis import RedisStore
from marquee.storage.kv.sqlite import SqliteStore
from tests.services import REDIS_URL, need, unique_namespace

TTL = 0.25
PAST_TTL = 0.4

Opener = Callable[[str], OnlineStore]


def _open(backend: str, namespace: str, tmp_path: Path) -> OnlineStore:
    if backend == "memory":
        return MemoryStore(namespace=namespace)
    if backend == "sqlite":
        return SqliteStore(tmp_path / "online" / "kv.db", namespace=namespace)
    need("redis")
    # Behaviour, not latency, is tested here: a loaded CI machine must not read as an outage.
    return RedisStore(REDIS_URL, namespace=namespace, socket_timeout=5.0)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens stores of one backend sharing one server or file; cleans each one up."""
    opened: list[OnlineStore] = []

    def open_namespace(namespace: str) -> OnlineStore:
        opened.append(_open(request.param, namespace, tmp_path))
        return opened[-1]

    yield open_namespace
    for store in opened:
        store.delete_prefix("")
        store.close()


@pytest.fixture
def store(open_store: Opener) -> OnlineStore:
    return open_store(unique_namespace())


def test_implements_online_store_protocol(store: OnlineStore) -> None:
    assert isinstance(store, OnlineStore)
    store.ping()


def test_value_round_trips_and_missing_key_reads_as_none(store: OnlineStore) -> None:
    store.set("title:1", b"Metropolis")

    assert store.get("title:1") == b"Metropolis"
    assert store.get("title:2") is None


def test_binary_values_with_nul_bytes_round_trip(store: OnlineStore) -> None:
    blob = bytes(range(256)) + b"\x00\x00end"
    store.set("blob", blob)
    store.hset("row", {"vector": blob, "empty": b""})

    assert store.get("blob") == blob
    assert store.hgetall("row") == {"vector": blob, "empty": b""}


def test_unicode_keys_round_trip(store: OnlineStore) -> None:
    store.set_many({"café:1": b"a", "café:2": b"b", "cafe:1": b"c", "🎬:1": b"d"})

    assert store.get_many(["café:1", "🎬:1"]) == [b"a", b"d"]
    assert store.delete_prefix("café:") == 2
    assert store.get_many(["cafe:1", "🎬:1"]) == [b"c", b"d"]


def test_value_is_gone_after_its_ttl(store: OnlineStore) -> None:
    start = time.monotonic()
    store.set("session", b"x", ttl=TTL)
    read = store.get("session")
    if time.monotonic() - start < TTL:  # a stalled machine may read after the deadline
        assert read == b"x"

    time.sleep(PAST_TTL)

    assert store.get("session") is None
    assert store.get_many(["session"]) == [None]


def test_set_many_applies_ttl_to_every_key(store: OnlineStore) -> None:
    store.set_many({"a": b"1", "b": b"2"}, ttl=TTL)
    store.set("kept", b"3")

    time.sleep(PAST_TTL)

    assert store.get_many(["a", "b", "kept"]) == [None, None, b"3"]


def test_set_without_ttl_makes_a_key_permanent_again(store: OnlineStore) -> None:
    store.set("k", b"old", ttl=TTL)
    store.set("k", b"new")

    time.sleep(PAST_TTL)

    assert store.get("k") == b"new"


def test_non_positive_ttl_is_rejected(store: OnlineStore) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.set("k", b"v", ttl=0)
    with pytest.raises(ValueError, match="ttl"):
        store.incr("n", ttl=-1)


def test_get_many_keeps_order_and_marks_missing(store: OnlineStore) -> None:
    store.set_many({"a": b"1", "c": b"3"})

    assert store.get_many(["c", "missing", "a", "c"]) == [b"3", None, b"1", b"3"]
    assert store.get_many(iter(["a"])) == [b"1"]


def test_empty_inputs_are_no_ops(store: OnlineStore) -> None:
    store.set_many({})
    store.hset("h", {})

    assert store.get_many([]) == []
    assert store.delete([]) == 0
    assert store.hdel("h", []) == 0
    assert store.hgetall("h") == {}


def test_incr_creates_counts_and_stores_decimal_text(store: OnlineStore) -> None:
    assert store.incr("views") == 1
    assert store.incr("views", 5) == 6
    assert store.incr("views", -2) == 4
    assert store.get("views") == b"4"


def test_incr_is_atomic_across_threads(store: OnlineStore) -> None:
    def hammer() -> None:
        for _ in range(500):
            store.incr("hits", ttl=60)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.get("hits") == b"4000"


def test_incr_ttl_is_set_only_on_creation(store: OnlineStore) -> None:
    # Timed on a monotonic clock: when a loaded machine stalls past the window, the attempt
    # proves nothing and the next one runs with a longer TTL; it never reads as a failure.
    for ttl in (TTL, 4 * TTL, 16 * TTL):
        key = f"window:{ttl}"
        start = time.monotonic()
        assert store.incr(key, ttl=ttl) == 1
        created = time.monotonic()
        time.sleep(ttl * 0.6)
        second = store.incr(key, ttl=ttl)
        if time.monotonic() - start >= ttl:
            continue
        assert second == 2
        # Past the first deadline (<= created + ttl), before a pushed-back one (>= + 1.6 ttl).
        time.sleep(max(0.0, created + ttl * 1.3 - time.monotonic()))

        assert store.get(key) is None, "the second INCR pushed the deadline back"
        assert store.incr(key, ttl=ttl) == 1
        return
    pytest.fail("the machine stalled past the TTL window in every attempt")


def test_delete_counts_the_keys_and_hashes_that_existed(store: OnlineStore) -> None:
    store.set("plain", b"1")
    store.hset("hash", {"f": b"1"})

    assert store.delete(["plain", "hash", "missing", "plain"]) == 2
    assert store.get("plain") is None
    assert store.hgetall("hash") == {}


def test_delete_prefix_removes_keys_and_hashes_with_that_prefix_only(store: OnlineStore) -> None:
    store.set_many({"user:1": b"a", "user:2": b"b", "users": b"c", "other:user:1": b"d"})
    store.hset("user:3", {"f": b"1"})
    store.hset("userx", {"f": b"1"})

    assert store.delete_prefix("user:") == 3

    assert store.get_many(["user:1", "user:2", "users", "other:user:1"]) == [None, None, b"c", b"d"]
    assert store.hgetall("user:3") == {}
    assert store.hgetall("userx") == {"f": b"1"}


def test_delete_prefix_with_empty_prefix_clears_the_namespace(store: OnlineStore) -> None:
    store.set_many({"a": b"1", "b": b"2"})
    store.hset("h", {"f": b"1"})

    assert store.delete_prefix("") == 3
    assert store.get_many(["a", "b"]) == [None, None]


@pytest.mark.parametrize(
    ("prefix", "doomed", "kept"),
    [
        ("a*b:", ["a*b:1", "a*b:2"], ["axb:1", "ab:1"]),
        ("a?c", ["a?c1"], ["abc1"]),
        ("[x]", ["[x]1"], ["x1", "[y]1"]),
        ("back\\", ["back\\slash"], ["backslash"]),
        ("100%_", ["100%_done"], ["100ab_done", "100%xdone"]),
    ],
)
def test_prefix_with_glob_characters_is_literal(
    store: OnlineStore, prefix: str, doomed: list[str], kept: list[str]
) -> None:
    store.set_many(dict.fromkeys(doomed + kept, b"v"))

    assert store.delete_prefix(prefix) == len(doomed)
    assert store.get_many(doomed) == [None] * len(doomed)
    assert store.get_many(kept) == [b"v"] * len(kept)


def test_hash_fields_are_merged_and_deleted(store: OnlineStore) -> None:
    store.hset("profile:1", {"plan": b"basic", "lang": b"en"})
    store.hset("profile:1", {"plan": b"premium", "theme": b"dark"})
    assert store.hgetall("profile:1") == {"plan": b"premium", "lang": b"en", "theme": b"dark"}

    assert store.hdel("profile:1", ["lang", "missing"]) == 1
    assert store.hgetall("profile:1") == {"plan": b"premium", "theme": b"dark"}

    assert store.hdel("profile:1", ["plan", "theme"]) == 2
    assert store.delete(["profile:1"]) == 0  # a hash with no fields is gone


def test_hash_expires_whole(store: OnlineStore) -> None:
    store.hset("lease", {"owner": b"w1"}, ttl=TTL)
    store.hset("lease", {"token": b"t"})  # without ttl the deadline stays

    time.sleep(PAST_TTL)

    assert store.hgetall("lease") == {}
    store.hset("lease", {"owner": b"w2"})
    assert store.hgetall("lease") == {"owner": b"w2"}  # old fields do not come back


def test_namespaces_do_not_see_each_other(open_store: Opener) -> None:
    left, right = open_store(unique_namespace()), open_store(unique_namespace())
    left.set("k", b"left")
    right.set("k", b"right")
    left.hset("h", {"f": b"left"})
    left.incr("n")

    assert right.delete_prefix("") == 1

    assert left.get("k") == b"left"
    assert right.get("k") is None
    assert right.hgetall("h") == {}
    assert right.incr("n") == 1
    assert left.incr("n") == 2
