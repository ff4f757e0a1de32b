"""The production online store: one Redis server shared by every process, keys under a namespace."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from typing import TypeVar, cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from marquee.errors import Unavailable

_BATCH = 500
_T = TypeVar("_T")
_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")


def _millis(ttl: float | None) -> int | None:
    """Redis takes whole milliseconds (PX, PEXPIRE), so fractional TTLs keep their meaning."""
    if ttl is None:
        return None
    if ttl <= 0:
        raise ValueError(f"ttl must be positive, got {ttl}")
    return max(1, round(ttl * 1000))


def _batched(items: Iterable[_T]) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _BATCH)):
        yield chunk


def _glob_literal(text: str) -> str:
    return _GLOB_SPECIALS.sub(r"\\\1", text)


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn redis-py's connection failures into the one error callers handle."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise Unavailable(f"online store unreachable: {exc}") from exc


class RedisStore:
    """Plain keys are Redis strings, hashes are Redis hashes, all named ``{namespace}:{key}``."""

    def __init__(self, url: str, namespace: str = "mq", socket_timeout: float = 0.5) -> None:
        self.namespace = namespace
        self._prefix = f"{namespace}:"
        # No retries: a dead server fails within one timeout, and a retried INCRBY whose reply
        # was lost would count twice. Stale pooled connections are re-opened on checkout.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
        )

    def get(self, key: str) -> bytes | None:
        with _reachable():
            return cast("bytes | None", self._client.get(self._name(key)))

    def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        with _reachable():
            self._client.set(self._name(key), value, px=_millis(ttl))

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        values: list[bytes | None] = []
        with _reachable():
            for chunk in _batched(self._name(key) for key in keys):
                values.extend(cast("list[bytes | None]", self._client.mget(chunk)))
        return values

    def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not items:
            return
        millis = _millis(ttl)
        with _reachable(), self._client.pipeline(transaction=False) as pipe:
            for key, value in items.items():
                pipe.set(self._name(key), value, px=millis)
            pipe.execute()

    def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        name, millis = self._name(key), _millis(ttl)
        with _reachable():
            if millis is None:
                return self._client.incrby(name, amount)
            # MULTI/EXEC: nothing runs between the two, so a key expiring in that gap cannot
            # be re-created by INCRBY without a TTL; SET NX leaves an existing TTL alone.
            with self._client.pipeline(transaction=True) as pipe:
                pipe.set(name, 0, nx=True, px=millis)
                pipe.incrby(name, amount)
                _, total = pipe.execute()
            return int(total)

    def delete(self, keys: Iterable[str]) -> int:
        names = list({self._name(key) for key in keys})
        with _reachable():
            return sum(self._client.unlink(*chunk) for chunk in _batched(names))

    def delete_prefix(self, prefix: str) -> int:
        pattern = _glob_literal(self._prefix + prefix) + "*"
        removed = 0
        with _reachable():
            found = self._client.scan_iter(match=pattern, count=1000)
            for chunk in _batched(found):
                removed += self._client.unlink(*chunk)
        return removed

    def hset(self, key: str, fields: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not fields:
            return
        name, millis = self._name(key), _millis(ttl)
        with _reachable(), self._client.pipeline(transaction=True) as pipe:
            pipe.hset(name, items=[part for pair in fields.items() for part in pair])
            if millis is not None:
                pipe.pexpire(name, millis)
            pipe.execute()

    def hgetall(self, key: str) -> dict[str, bytes]:
        with _reachable():
            raw = cast("dict[bytes, bytes]", self._client.hgetall(self._name(key)))
        return {field.decode(): value for field, value in raw.items()}

    def hdel(self, key: str, fields: Iterable[str]) -> int:
        names = list(set(fields))
        if not names:
            return 0
        with _reachable():
            return self._client.hdel(self._name(key), *names)

    def ping(self) -> None:
        with _reachable():
            self._client.ping()

    def close(self) -> None:
        self._client.close()

    def _name(self, key: str) -> str:
        return self._prefix + key
