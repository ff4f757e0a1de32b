"""Two processes opening one SQLite online store at once share it without losing writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from marquee.storage.kv.sqlite import SqliteStore

WORKER = """
import sys
from marquee.storage.kv.sqlite import SqliteStore

store = SqliteStore(sys.argv[1], namespace="shared")
for _ in range(int(sys.argv[2])):
    store.incr("hits", ttl=60)
store.hset("seen", {sys.argv[3]: b"1"})
store.close()
"""


def test_two_processes_can_open_and_count_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "online.db"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(path), "300", name])
        for name in ("left", "right")
    ]

    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    store = SqliteStore(path, namespace="shared")
    try:
        assert store.get("hits") == b"600"
        assert store.hgetall("seen") == {"left": b"1", "right": b"1"}
    finally:
        store.close()
