"""The embedded event log's dedup window and its on-disk layout (beyond the contract suite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from marquee.storage.eventlog.base import LogRecord
from marquee.storage.eventlog.sqlite import SqliteEventLog


def record(event_id: str) -> LogRecord:
    return LogRecord(event_id, 1, b'{"n": 1}')


def test_an_id_is_stored_again_only_after_the_dedup_window(tmp_path: Path) -> None:
    clock = [1_000_000]
    log = SqliteEventLog(tmp_path / "events.db", dedup_ttl_s=10, now_ms=lambda: clock[0])
    assert log.append([record("a")]) == 1
    clock[0] += 9_000
    assert log.append([record("a")]) == 0
    # 11 s after it was first seen, and before the once-a-minute purge has deleted it.
    clock[0] += 2_000
    assert log.append([record("a"), record("a")]) == 1
    assert log.append([record("a")]) == 0
    log.close()


def test_a_file_from_the_rowid_layout_keeps_its_dedup_ids(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE seen (event_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL)")
        conn.execute("CREATE INDEX seen_at ON seen (at_ms)")
        conn.execute("INSERT INTO seen VALUES ('old', ?)", (10**12,))
    conn.close()
    log = SqliteEventLog(path, now_ms=lambda: 10**12 + 1)
    assert log.append([record("old"), record("new")]) == 1
    log.close()
    with sqlite3.connect(path) as conn:
        (layout,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'seen'").fetchone()
    conn.close()
    assert "WITHOUT ROWID" in layout
