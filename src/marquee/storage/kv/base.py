"""Interfaces of the online store. Implementations: memory, sqlite, redis (one file each).

Keys are ``str``, values ``bytes``; encoding is the caller's business. TTLs are in seconds
(float); a key past its TTL is gone for every read. Implementations prefix every key with a
namespace so several deployments (or test runs) can share one server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class KeyValueStore(Protocol):
    """Plain keys with optional TTL, batch reads and writes, atomic counters."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None: ...

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        """Values in the order of ``keys``; None where absent or expired."""
        ...

    def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None: ...

    def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add ``amount`` atomically and return the new value. ``ttl`` applies only when the
        counter is created, so a fixed window expires on time however often it is hit."""
        ...

    def delete(self, keys: Iterable[str]) -> int:
        """Delete plain keys and hashes by name; return how many existed."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every plain key and hash whose name starts with ``prefix``."""
        ...


@runtime_checkable
class HashStore(Protocol):
    """Hashes: a key holding field → value pairs, read whole or by field."""

    def hset(self, key: str, fields: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        """Set fields (others are kept); ``ttl``, when given, applies to the whole hash."""
        ...

    def hgetall(self, key: str) -> dict[str, bytes]: ...

    def hdel(self, key: str, fields: Iterable[str]) -> int: ...


@runtime_checkable
class OnlineStore(KeyValueStore, HashStore, Protocol):
    """What bootstrap hands to services: both capabilities plus lifecycle."""

    def ping(self) -> None:
        """Raise if the backend cannot be reached."""
        ...

    def close(self) -> None: ...
