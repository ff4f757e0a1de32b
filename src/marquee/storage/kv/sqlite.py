"""The embedded online store: one SQLite file in WAL mode, shareable by several processes."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv_plain (
    ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at REAL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_hash (
    ns TEXT NOT NULL, key TEXT NOT NULL, field TEXT NOT NULL, value BLOB NOT NULL,
    expires_at REAL,
    PRIMARY KEY (ns, key, field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_plain_expiry ON kv_plain (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS kv_hash_expiry ON kv_hash (expires_at) WHERE expires_at IS NOT NULL;
"""

# An expired value resets to ``amount`` with a fresh deadline; a live one keeps its deadline,
# so a fixed window ends on time however often it is hit. SET expressions see the old row.
_INCR = """
INSERT INTO kv_plain (ns, key, value, expires_at) VALUES (:ns, :key, :start, :expires_at)
ON CONFLICT (ns, key) DO UPDATE SET
    value = CASE WHEN expires_at <= :now THEN excluded.value
                 ELSE CAST(CAST(value AS INTEGER) + :amount AS BLOB) END,
    expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
RETURNING CAST(value AS INTEGER)
"""

_UPSERT = """
INSERT INTO kv_plain (ns, key, value, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
"""

_HSET = """
INSERT INTO kv_hash (ns, key, field, value, expires_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (ns, key, field) DO UPDATE SET value = excluded.value
"""

_LIVE = "(expires_at IS NULL OR expires_at > ?)"
_CHUNK = 500  # stays under SQLite's bound-parameter limit on old builds (999)
_PURGE_INTERVAL_S = 60.0
_BUSY_TIMEOUT_S = 5.0
_CACHE_KIB = 65_536  # per connection
_CHECKPOINT_PAGES = 10_000  # the WAL grows to ~40 MB (4 KiB pages) between checkpoints


def _deadline(ttl: float | None, now: float) -> float | None:
    if ttl is None:
        return None
    if ttl <= 0:
        raise ValueError(f"ttl must be positive, got {ttl}")
    return now + ttl


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix``; None if unbounded."""
    stem = prefix.rstrip(chr(0x10FFFF))
    if not stem:
        return None
    following = ord(stem[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be encoded in UTF-8
        following = 0xE000
    return stem[:-1] + chr(following)


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


def _marks(count: int) -> str:
    return "(" + ",".join("?" * count) + ")"


class SqliteStore:
    """Plain keys in ``kv_plain``, hash fields in ``kv_hash``; both keyed by namespace."""

    def __init__(self, path: str | Path, namespace: str = "mq") -> None:
        self.path = Path(path)
        self.namespace = namespace
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # The online store holds derived or short-lived data (features, caches, counters), so
        # NORMAL is enough: a power cut may lose the last commits, never corrupt the file. The
        # event log and the database keep their durable settings.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # A batch of the stream processor rewrites thousands of rows: a larger page cache and
        # rarer checkpoints (each one fsyncs) cut its CPU per row by about a third (bench/).
        self._conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        self._conn.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
        self._conn.executescript(_SCHEMA)
        self._last_purge = time.monotonic()

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self.set_many({key: value}, ttl=ttl)

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        wanted = list(keys)
        found: dict[str, bytes] = {}
        now = time.time()
        with self._lock:
            for chunk in _chunks(list(set(wanted))):
                rows = self._conn.execute(
                    f"SELECT key, value FROM kv_plain WHERE ns = ? AND key IN {_marks(len(chunk))}"
                    f" AND {_LIVE}",
                    (self.namespace, *chunk, now),
                )
                found.update(rows)
        return [found.get(key) for key in wanted]

    def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not items:
            return
        expires_at = _deadline(ttl, time.time())
        rows = [(self.namespace, key, bytes(value), expires_at) for key, value in items.items()]
        with self._transaction() as conn:
            conn.executemany(_UPSERT, rows)

    def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        now = time.time()
        params = {
            "ns": self.namespace,
            "key": key,
            "start": str(amount).encode(),
            "expires_at": _deadline(ttl, now),
            "amount": amount,
            "now": now,
        }
        with self._transaction() as conn:
            # fetchall steps the statement to its end, or COMMIT would find it still running.
            [(total,)] = conn.execute(_INCR, params).fetchall()
        return int(total)

    def delete(self, keys: Iterable[str]) -> int:
        names = list(set(keys))
        existed = 0
        with self._transaction() as conn:
            for chunk in _chunks(names):
                where = f"ns = ? AND key IN {_marks(len(chunk))}"
                existed += self._delete_where(conn, where, (self.namespace, *chunk))
        return existed

    def delete_prefix(self, prefix: str) -> int:
        # A range, not LIKE, so '%' and '_' in keys are literal and the primary key is used.
        end = _prefix_end(prefix)
        where, params = "ns = ? AND key >= ?", [self.namespace, prefix]
        if end is not None:
            where, params = where + " AND key < ?", [*params, end]
        with self._transaction() as conn:
            return self._delete_where(conn, where, tuple(params))

    def hset(self, key: str, fields: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not fields:
            return
        now = time.time()
        expires_at = _deadline(ttl, now)
        scope = (self.namespace, key)
        with self._transaction() as conn:
            # Fields of an expired hash must not come back to life beside the new ones.
            conn.execute(
                "DELETE FROM kv_hash WHERE ns = ? AND key = ? AND expires_at <= ?", (*scope, now)
            )
            if expires_at is None:
                expires_at = self._hash_deadline(conn, scope)
            else:
                conn.execute(
                    "UPDATE kv_hash SET expires_at = ? WHERE ns = ? AND key = ?",
                    (expires_at, *scope),
                )
            rows = [(*scope, name, bytes(value), expires_at) for name, value in fields.items()]
            conn.executemany(_HSET, rows)

    def hgetall(self, key: str) -> dict[str, bytes]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT field, value FROM kv_hash WHERE ns = ? AND key = ? AND {_LIVE}",
                (self.namespace, key, time.time()),
            )
            return dict(rows)

    def hdel(self, key: str, fields: Iterable[str]) -> int:
        names = list(set(fields))
        removed = 0
        with self._transaction() as conn:
            for chunk in _chunks(names):
                cursor = conn.execute(
                    f"DELETE FROM kv_hash WHERE ns = ? AND key = ? AND {_LIVE}"
                    f" AND field IN {_marks(len(chunk))}",
                    (self.namespace, key, time.time(), *chunk),
                )
                removed += cursor.rowcount
        return removed

    def ping(self) -> None:
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            # IMMEDIATE takes the write lock up front, so two processes queue on busy_timeout
            # instead of failing when a read lock would need upgrading.
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._purge_expired()
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @staticmethod
    def _hash_deadline(conn: sqlite3.Connection, scope: tuple[str, str]) -> float | None:
        """The deadline the hash already has, which new fields inherit."""
        row = conn.execute(
            "SELECT expires_at FROM kv_hash WHERE ns = ? AND key = ? LIMIT 1", scope
        ).fetchone()
        return None if row is None else row[0]

    def _delete_where(
        self, conn: sqlite3.Connection, where: str, params: tuple[object, ...]
    ) -> int:
        """Delete plain keys and hashes matching ``where``; count the distinct live names."""
        live = conn.execute(
            f"SELECT key FROM kv_plain WHERE {where} AND {_LIVE}"
            f" UNION SELECT key FROM kv_hash WHERE {where} AND {_LIVE}",
            (*params, time.time(), *params, time.time()),
        ).fetchall()
        conn.execute(f"DELETE FROM kv_plain WHERE {where}", params)
        conn.execute(f"DELETE FROM kv_hash WHERE {where}", params)
        return len(live)

    def _purge_expired(self) -> None:
        # Rows written once and never read again would otherwise stay on disk forever.
        now = time.monotonic()
        if now - self._last_purge < _PURGE_INTERVAL_S:
            return
        self._last_purge = now
        cutoff = time.time()
        self._conn.execute("DELETE FROM kv_plain WHERE expires_at <= ?", (cutoff,))
        self._conn.execute("DELETE FROM kv_hash WHERE expires_at <= ?", (cutoff,))
