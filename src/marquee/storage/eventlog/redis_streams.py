"""The production event log: Redis Streams partitioned by a hash of the profile, consumer groups."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from marquee.errors import Unavailable
from marquee.storage.eventlog.base import DEDUP_TTL_S, LogEntry, LogRecord, PendingEntry

# Dedup key and XADD in one script, so a stored event always has its key and vice versa: a
# lost reply followed by a retry cannot store the event twice or lose it. One call appends a
# whole batch of one partition (one command per event was most of the append's time).
# KEYS: the stream, then each event's dedup key; ARGV: TTL, cap, then (id, profile, payload)
# per event. Returns how many were new.
_APPEND = """
local ttl, cap, stored = ARGV[1], tonumber(ARGV[2]), 0
for i = 2, #KEYS do
  local at = 3 * i - 3
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    if cap > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', cap, '*',
        'i', ARGV[at], 'p', ARGV[at + 1], 'e', ARGV[at + 2])
    else
      redis.call('XADD', KEYS[1], '*', 'i', ARGV[at], 'p', ARGV[at + 1], 'e', ARGV[at + 2])
    end
    stored = stored + 1
  end
end
return stored
"""
# Events per script call: a script blocks the server while it runs.
_APPEND_CHUNK = 1000


_DELETE_CHUNK = 1000


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn redis-py's connection failures into the one error callers handle."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise Unavailable(f"event log unreachable: {exc}") from exc


def partition_of(profile_id: int, partitions: int) -> int:
    """Stable across processes and versions (unlike ``hash``), so a profile keeps its stream."""
    return zlib.crc32(str(profile_id).encode()) % partitions


class RedisStreamsEventLog:
    """Entry ids are ``{partition}/{stream id}``. ``max_len`` (0 = off) is a safety cap only:
    normal retention is ``trim``, which never drops an entry a group has not acknowledged."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "mq",
        partitions: int = 8,
        dedup_ttl_s: int = DEDUP_TTL_S,
        max_len: int = 0,
        socket_timeout: float = 2.0,
    ) -> None:
        self._prefix = f"{prefix}:events"
        self._partitions = partitions
        self._dedup_ttl_s = dedup_ttl_s
        self._max_len = max_len
        # No retries: a retried XACK or XADD whose reply was lost is handled by the caller.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._append = self._client.register_script(_APPEND)
        self._groups: set[str] = set()
        self._turn = 0

    def _stream(self, partition: int) -> str:
        return f"{self._prefix}:p{partition}"

    def append(self, records: Sequence[LogRecord]) -> int:
        by_partition: dict[int, list[LogRecord]] = {}
        for r in records:
            by_partition.setdefault(partition_of(r.profile_id, self._partitions), []).append(r)
        with _reachable():
            pipe = self._client.pipeline(transaction=False)
            for partition, batch in by_partition.items():
                for start in range(0, len(batch), _APPEND_CHUNK):
                    chunk = batch[start : start + _APPEND_CHUNK]
                    keys = [self._stream(partition)]
                    keys += [f"{self._prefix}:seen:{r.event_id}" for r in chunk]
                    args: list[bytes | str | int] = [self._dedup_ttl_s, self._max_len]
                    for r in chunk:
                        args += (r.event_id, r.profile_id, r.payload)
                    self._append(keys=keys, args=args, client=pipe)
            return sum(int(stored) for stored in pipe.execute())

    def _ensure_group(self, group: str) -> None:
        if group in self._groups:
            return
        for partition in range(self._partitions):
            try:
                self._client.xgroup_create(self._stream(partition), group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups.add(group)

    def read(self, group: str, consumer: str, *, count: int, block_ms: int = 0) -> list[LogEntry]:
        with _reachable():
            self._ensure_group(group)
            entries = self._read_partitions(group, consumer, count)
            if entries or not block_ms:
                return entries
            # Wait on every partition at once; COUNT 1 per stream keeps the overshoot small.
            streams: dict[Any, Any] = {self._stream(p): ">" for p in range(self._partitions)}
            reply = self._client.xreadgroup(group, consumer, streams, count=1, block=block_ms)
        return [entry for stream, msgs in _stream_items(reply) for entry in _entries(stream, msgs)]

    def _read_partitions(self, group: str, consumer: str, count: int) -> list[LogEntry]:
        """At most ``count``: XREADGROUP's COUNT is per stream, so partitions go one by one."""
        entries: list[LogEntry] = []
        self._turn = (self._turn + 1) % self._partitions  # start elsewhere each time: fairness
        for step in range(self._partitions):
            if len(entries) >= count:
                break
            stream = self._stream((self._turn + step) % self._partitions)
            reply = self._client.xreadgroup(
                group, consumer, {stream: ">"}, count=count - len(entries)
            )
            for name, msgs in _stream_items(reply):
                entries.extend(_entries(name, msgs))
        return entries

    def ack(self, group: str, entry_ids: Sequence[str]) -> int:
        acked = 0
        with _reachable():
            for partition, ids in _by_partition(entry_ids).items():
                acked += int(self._client.xack(self._stream(partition), group, *ids))
        return acked

    def pending(self, group: str) -> list[PendingEntry]:
        found: list[PendingEntry] = []
        with _reachable():
            self._ensure_group(group)
            for p in range(self._partitions):
                rows = self._client.xpending_range(self._stream(p), group, "-", "+", 10_000)
                found.extend(_pending(p, row) for row in rows)
        return found

    def claim(self, group: str, consumer: str, *, min_idle_ms: int, count: int) -> list[LogEntry]:
        entries: list[LogEntry] = []
        with _reachable():
            self._ensure_group(group)
            for p in range(self._partitions):
                if len(entries) >= count:
                    break
                reply = self._client.xautoclaim(
                    self._stream(p), group, consumer, min_idle_ms, "0-0", count=count - len(entries)
                )
                messages = cast("list[Any]", reply[1])
                entries.extend(_entry(p, m_id, f) for m_id, f in messages if f)
        return entries

    def trim(self, *, groups: Sequence[str]) -> int:
        dropped = 0
        with _reachable():
            for p in range(self._partitions):
                bound = self._safe_min_id(self._stream(p), groups)
                if bound is not None:
                    dropped += int(
                        self._client.xtrim(self._stream(p), minid=bound, approximate=False)
                    )
        return dropped

    def _safe_min_id(self, stream: str, groups: Sequence[str]) -> str | None:
        """The oldest id a group still needs: its oldest pending, else just after its last read."""
        info = {_text(g["name"]): g for g in self._client.xinfo_groups(stream)}
        bounds: list[tuple[int, int]] = []
        for group in groups:
            if group not in info:
                return None
            summary = self._client.xpending(stream, group)
            oldest = summary.get("min") if summary.get("pending") else None
            if oldest is not None:
                bounds.append(_id_pair(_text(oldest)))
            else:
                ms, seq = _id_pair(_text(info[group]["last-delivered-id"]))
                bounds.append((ms, seq + 1))
        if not bounds:
            return None
        ms, seq = min(bounds)
        return f"{ms}-{seq}"

    def profile_entries(self, profile_id: int) -> list[LogEntry]:
        partition = partition_of(profile_id, self._partitions)
        with _reachable():
            found = self._entries_of(self._stream(partition), str(profile_id).encode())
        return [_entry(partition, m_id, fields) for m_id, fields in found]

    def delete_profile(self, profile_id: int) -> int:
        """Scan the profile's partition (bounded by ``trim``), ack its entries in every group
        so no pending entry points at nothing, then XDEL them."""
        stream = self._stream(partition_of(profile_id, self._partitions))
        wanted = str(profile_id).encode()
        with _reachable():
            ids = [m_id for m_id, _ in self._entries_of(stream, wanted)]
            if not ids:
                return 0
            groups = [_text(g["name"]) for g in self._client.xinfo_groups(stream)]
            removed = 0
            for chunk in (ids[i : i + _DELETE_CHUNK] for i in range(0, len(ids), _DELETE_CHUNK)):
                for group in groups:
                    self._client.xack(stream, group, *chunk)
                removed += int(self._client.xdel(stream, *chunk))
        return removed

    def _entries_of(self, stream: str, profile: bytes) -> list[tuple[bytes, dict[Any, Any]]]:
        """``(stream id, fields)`` of the profile's entries, paging through its partition."""
        found: list[tuple[bytes, dict[Any, Any]]] = []
        start: bytes | str = "-"
        while True:
            page = cast("list[Any]", self._client.xrange(stream, min=start, count=_DELETE_CHUNK))
            found.extend((m_id, f) for m_id, f in page if f and f.get(b"p") == profile)
            if len(page) < _DELETE_CHUNK:
                return found
            start = b"(" + bytes(page[-1][0])

    def close(self) -> None:
        self._client.close()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_pair(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def _stream_items(reply: Any) -> list[tuple[Any, Any]]:
    """XREADGROUP answers a list of ``[stream, messages]`` (RESP2) or a dict (RESP3)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return [
            (stream, value[0] if value and isinstance(value[0], list) else value)
            for stream, value in reply.items()
        ]
    return [(stream, messages) for stream, messages in reply]


def _entries(stream: Any, messages: Any) -> list[LogEntry]:
    partition = int(_text(stream).rsplit(":p", 1)[1])
    return [_entry(partition, m_id, fields) for m_id, fields in messages]


def _entry(partition: int, message_id: Any, fields: dict[Any, Any]) -> LogEntry:
    return LogEntry(
        entry_id=f"{partition}/{_text(message_id)}",
        event_id=_text(fields[b"i"]),
        profile_id=int(fields[b"p"]),
        payload=bytes(fields[b"e"]),
    )


def _pending(partition: int, row: dict[str, Any]) -> PendingEntry:
    return PendingEntry(
        entry_id=f"{partition}/{_text(row['message_id'])}",
        consumer=_text(row["consumer"]),
        idle_ms=int(row["time_since_delivered"]),
        deliveries=int(row["times_delivered"]),
    )


def _by_partition(entry_ids: Sequence[str]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for entry_id in entry_ids:
        partition, _, stream_id = entry_id.partition("/")
        if partition.isdigit() and stream_id:
            grouped.setdefault(int(partition), []).append(stream_id)
    return grouped
