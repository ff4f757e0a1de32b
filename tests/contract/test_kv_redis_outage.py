"""A Redis that is down or silent fails fast with ``Unavailable``, not a redis-py exception."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from marquee.errors import Unavailable
from marquee.storage.kv.redis import RedisStore

CALLS: dict[str, Callable[[RedisStore], object]] = {
    "get": lambda store: store.get("k"),
    "set": lambda store: store.set("k", b"v"),
    "incr": lambda store: store.incr("k", ttl=1),
    "ping": lambda store: store.ping(),
}


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never answers, like a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def _assert_fails_fast(url: str, call: Callable[[RedisStore], object]) -> None:
    store = RedisStore(url, namespace="outage")
    started = time.perf_counter()
    try:
        with pytest.raises(Unavailable, match="online store unreachable"):
            call(store)
    finally:
        store.close()
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_closed_port_raises_unavailable_quickly(call: Callable[[RedisStore], object]) -> None:
    _assert_fails_fast("redis://127.0.0.1:1/0", call)


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_server_that_never_answers_raises_unavailable_quickly(
    silent_server: str, call: Callable[[RedisStore], object]
) -> None:
    _assert_fails_fast(silent_server, call)
