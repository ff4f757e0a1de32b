"""The embedded event log: one SQLite file in WAL mode, an append-only table, group offsets."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from marquee.errors import Unavailable
from marquee.storage.eventlog.base import DEDUP_TTL_S, LogEntry, LogRecord, PendingEntry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    profile_id INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    event_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_at ON seen (at_ms);
CREATE TABLE IF NOT EXISTS groups (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    grp TEXT NOT NULL,
    seq INTEGER NOT NULL,
    consumer TEXT NOT NULL,
    delivered_ms INTEGER NOT NULL,
    deliveries INTEGER NOT NULL,
    PRIMARY KEY (grp, seq)
);
"""
_POLL_S = 0.01
_CHUNK = 5000  # rows per multi-row INSERT: 10,000 bound parameters, under SQLite's 32,766
_PURGE_EVERY_MS = 60_000  # expired dedup ids are deleted this often, not on every append
# A rowid table with a text primary key kept two b-trees per id (the table and its key); this
# layout keeps one, which made an append of homepage impressions ~40 % cheaper.
_SEEN_WITHOUT_ROWID = """
CREATE TABLE seen_new (event_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO seen_new SELECT event_id, at_ms FROM seen;
DROP TABLE seen;
ALTER TABLE seen_new RENAME TO seen;
CREATE INDEX seen_at ON seen (at_ms);
"""


@contextmanager
def _reachable() -> Iterator[None]:
    """A locked or unwritable file (disk full, another writer past the timeout) is retryable."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise Unavailable(f"event log unavailable: {exc}") from exc


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SqliteEventLog:
    """Entry ids are the row sequence as text. Dedup ids live in ``seen`` so trimming keeps them."""

    def __init__(
        self,
        path: Path,
        *,
        dedup_ttl_s: int = DEDUP_TTL_S,
        now_ms: Callable[[], int] = wall_ms,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._lock = threading.Lock()
        self._dedup_ttl_ms = dedup_ttl_s * 1000
        self._now_ms = now_ms
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: an append is on disk before the API answers.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._purged_ms = 0
        layout = self._conn.execute("SELECT sql FROM sqlite_master WHERE name = 'seen'").fetchone()
        if "WITHOUT ROWID" not in str(layout[0]).upper():  # a file made by an older version
            with self._tx() as conn:
                for statement in filter(str.strip, _SEEN_WITHOUT_ROWID.split(";")):
                    conn.execute(statement)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _reachable():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def append(self, records: Sequence[LogRecord]) -> int:
        now = self._now_ms()
        stored = 0
        expired = now - self._dedup_ttl_ms
        with self._tx() as conn:
            if now - self._purged_ms >= _PURGE_EVERY_MS:
                conn.execute("DELETE FROM seen WHERE at_ms < ?", (expired,))
                self._purged_ms = now
            for start in range(0, len(records), _CHUNK):
                chunk = records[start : start + _CHUNK]
                # One multi-row statement per chunk: RETURNING names the ids that were new, or
                # seen longer ago than the TTL and not purged yet (a row-by-row loop was most
                # of the ingestion time).
                values = ", ".join(["(?, ?)"] * len(chunk))
                params = [value for r in chunk for value in (r.event_id, now)]
                fresh = {
                    row[0]
                    for row in conn.execute(
                        f"INSERT INTO seen (event_id, at_ms) VALUES {values}"
                        " ON CONFLICT (event_id) DO UPDATE SET at_ms = excluded.at_ms"
                        " WHERE seen.at_ms < ? RETURNING event_id",
                        [*params, expired],
                    )
                }
                rows = []
                for r in chunk:
                    if r.event_id in fresh:
                        fresh.discard(r.event_id)  # the first of a repeated id wins
                        rows.append((r.event_id, r.profile_id, r.payload))
                conn.executemany(
                    "INSERT INTO events (event_id, profile_id, payload) VALUES (?, ?, ?)", rows
                )
                stored += len(rows)
        return stored

    def read(self, group: str, consumer: str, *, count: int, block_ms: int = 0) -> list[LogEntry]:
        deadline = time.monotonic() + block_ms / 1000
        while True:
            entries = self._read_once(group, consumer, count)
            if entries or time.monotonic() >= deadline:
                return entries
            time.sleep(_POLL_S)

    def _read_once(self, group: str, consumer: str, count: int) -> list[LogEntry]:
        with self._tx() as conn:
            last = self._offset(conn, group)
            rows = conn.execute(
                "SELECT seq, event_id, profile_id, payload FROM events WHERE seq > ?"
                " ORDER BY seq LIMIT ?",
                (last, count),
            ).fetchall()
            if rows:
                now = self._now_ms()
                conn.executemany(
                    "INSERT INTO pending VALUES (?, ?, ?, ?, 1)",
                    [(group, row[0], consumer, now) for row in rows],
                )
                conn.execute("UPDATE groups SET last_seq = ? WHERE name = ?", (rows[-1][0], group))
        return [_entry(row) for row in rows]

    @staticmethod
    def _offset(conn: sqlite3.Connection, group: str) -> int:
        conn.execute("INSERT OR IGNORE INTO groups VALUES (?, 0)", (group,))
        row = conn.execute("SELECT last_seq FROM groups WHERE name = ?", (group,)).fetchone()
        return int(row[0])

    def ack(self, group: str, entry_ids: Sequence[str]) -> int:
        seqs = [(group, int(entry_id)) for entry_id in entry_ids if entry_id.isdigit()]
        with self._tx() as conn:
            before = conn.total_changes
            conn.executemany("DELETE FROM pending WHERE grp = ? AND seq = ?", seqs)
            return conn.total_changes - before

    def pending(self, group: str) -> list[PendingEntry]:
        now = self._now_ms()
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, consumer, delivered_ms, deliveries FROM pending WHERE grp = ?"
                " ORDER BY seq",
                (group,),
            ).fetchall()
        return [PendingEntry(str(seq), who, max(0, now - at), n) for seq, who, at, n in rows]

    def claim(self, group: str, consumer: str, *, min_idle_ms: int, count: int) -> list[LogEntry]:
        now = self._now_ms()
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT e.seq, e.event_id, e.profile_id, e.payload FROM pending p"
                " JOIN events e ON e.seq = p.seq"
                " WHERE p.grp = ? AND p.delivered_ms <= ? ORDER BY p.seq LIMIT ?",
                (group, now - min_idle_ms, count),
            ).fetchall()
            conn.executemany(
                "UPDATE pending SET consumer = ?, delivered_ms = ?, deliveries = deliveries + 1"
                " WHERE grp = ? AND seq = ?",
                [(consumer, now, group, row[0]) for row in rows],
            )
        return [_entry(row) for row in rows]

    def trim(self, *, groups: Sequence[str]) -> int:
        with self._tx() as conn:
            safe: int | None = None
            for group in groups:
                row = conn.execute(
                    "SELECT g.last_seq + 1, (SELECT MIN(seq) FROM pending WHERE grp = g.name)"
                    " FROM groups g WHERE g.name = ?",
                    (group,),
                ).fetchone()
                if row is None:
                    return 0  # a group that never read has acknowledged nothing
                bound = int(row[0]) if row[1] is None else int(row[1])
                safe = bound if safe is None else min(safe, bound)
            if safe is None:
                return 0
            return conn.execute("DELETE FROM events WHERE seq < ?", (safe,)).rowcount

    def profile_entries(self, profile_id: int) -> list[LogEntry]:
        with self._lock, _reachable():
            rows = self._conn.execute(
                "SELECT seq, event_id, profile_id, payload FROM events WHERE profile_id = ?"
                " ORDER BY seq",
                (profile_id,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def delete_profile(self, profile_id: int) -> int:
        # A scan of the log: it is trimmed after archiving, and erasures are rare.
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM pending WHERE seq IN (SELECT seq FROM events WHERE profile_id = ?)",
                (profile_id,),
            )
            return conn.execute("DELETE FROM events WHERE profile_id = ?", (profile_id,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _entry(row: tuple[int, str, int, bytes]) -> LogEntry:
    seq, event_id, profile_id, payload = row
    return LogEntry(str(seq), event_id, profile_id, bytes(payload))
