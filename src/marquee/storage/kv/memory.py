"""An in-process online store: dicts behind a lock, for tests and single-process dev runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_SWEEP_INTERVAL_S = 30.0


@dataclass
class _Entry:
    value: bytes
    expires_at: float | None


@dataclass
class _Hash:
    fields: dict[str, bytes] = field(default_factory=dict)
    expires_at: float | None = None


def _deadline(ttl: float | None, now: float) -> float | None:
    if ttl is None:
        return None
    if ttl <= 0:
        raise ValueError(f"ttl must be positive, got {ttl}")
    return now + ttl


def _live(expires_at: float | None, now: float) -> bool:
    return expires_at is None or expires_at > now


class MemoryStore:
    """Every instance is its own world; ``namespace`` is kept only for parity with the others."""

    def __init__(self, namespace: str = "mq") -> None:
        self.namespace = namespace
        self._lock = threading.Lock()
        self._plain: dict[str, _Entry] = {}
        self._hashes: dict[str, _Hash] = {}
        self._last_sweep = time.monotonic()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live_entry(key, time.monotonic())
            return None if entry is None else entry.value

    def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self.set_many({key: value}, ttl=ttl)

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        with self._lock:
            now = time.monotonic()
            entries = [self._live_entry(key, now) for key in keys]
            return [None if entry is None else entry.value for entry in entries]

    def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        now = time.monotonic()
        expires_at = _deadline(ttl, now)
        with self._lock:
            for key, value in items.items():
                self._plain[key] = _Entry(bytes(value), expires_at)
            self._maybe_sweep(now)

    def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        now = time.monotonic()
        expires_at = _deadline(ttl, now)
        with self._lock:
            entry = self._live_entry(key, now)
            if entry is None:
                entry = self._plain[key] = _Entry(b"0", expires_at)
            total = int(entry.value) + amount
            entry.value = str(total).encode()
            self._maybe_sweep(now)
            return total

    def delete(self, keys: Iterable[str]) -> int:
        with self._lock:
            return sum(self._remove(key, time.monotonic()) for key in set(keys))

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            names = {k for k in self._plain if k.startswith(prefix)}
            names.update(k for k in self._hashes if k.startswith(prefix))
            return sum(self._remove(name, time.monotonic()) for name in names)

    def hset(self, key: str, fields: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not fields:
            return
        now = time.monotonic()
        expires_at = _deadline(ttl, now)
        with self._lock:
            entry = self._live_hash(key, now)
            if entry is None:
                entry = self._hashes[key] = _Hash()
            entry.fields.update((name, bytes(value)) for name, value in fields.items())
            if expires_at is not None:
                entry.expires_at = expires_at
            self._maybe_sweep(now)

    def hgetall(self, key: str) -> dict[str, bytes]:
        with self._lock:
            entry = self._live_hash(key, time.monotonic())
            return {} if entry is None else dict(entry.fields)

    def hdel(self, key: str, fields: Iterable[str]) -> int:
        with self._lock:
            entry = self._live_hash(key, time.monotonic())
            if entry is None:
                return 0
            removed = sum(entry.fields.pop(name, None) is not None for name in set(fields))
            if not entry.fields:
                del self._hashes[key]
            return removed

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None

    def _live_entry(self, key: str, now: float) -> _Entry | None:
        entry = self._plain.get(key)
        if entry is not None and not _live(entry.expires_at, now):
            del self._plain[key]
            return None
        return entry

    def _live_hash(self, key: str, now: float) -> _Hash | None:
        entry = self._hashes.get(key)
        if entry is not None and not _live(entry.expires_at, now):
            del self._hashes[key]
            return None
        return entry

    def _remove(self, name: str, now: float) -> bool:
        """Drop ``name`` of either kind; True if a live one was there."""
        plain = self._plain.pop(name, None)
        hashed = self._hashes.pop(name, None)
        return (plain is not None and _live(plain.expires_at, now)) or (
            hashed is not None and _live(hashed.expires_at, now)
        )

    def _maybe_sweep(self, now: float) -> None:
        # Keys written once and never read again would otherwise live forever.
        if now - self._last_sweep < _SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        self._plain = {k: e for k, e in self._plain.items() if _live(e.expires_at, now)}
        self._hashes = {k: h for k, h in self._hashes.items() if _live(h.expires_at, now)}
