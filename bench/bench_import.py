"""Import throughput: MovieLens ml-latest-small into fresh SQLite and PostgreSQL databases.

Run: ``.venv/bin/python bench/bench_import.py [--dataset PATH] [--runs 3]``. Prints a markdown
table (median of the runs, each on a fresh database) with the machine and the date. PostgreSQL is
skipped when 127.0.0.1:5432 is unreachable.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from marquee.services.imports import ImportReport, import_movielens
from marquee.storage.db import Database
from marquee.storage.db.migrate import upgrade

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "shared/data/movielens/ml-latest-small"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def sqlite_db() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        try:
            yield db
        finally:
            db.close()


@contextmanager
def postgres_db() -> Iterator[Database]:
    import psycopg

    name = f"marquee_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield db
    finally:
        db.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1.0):
            return True
    except OSError:
        return False


Opener = Callable[[], AbstractContextManager[Database]]


def one_run(opener: Opener, dataset: Path) -> tuple[float, ImportReport]:
    with opener() as db:
        upgrade(db)  # not timed: the schema exists before any import
        started = time.perf_counter()
        report = import_movielens(db, dataset, now=datetime.now(UTC))
        return time.perf_counter() - started, report


def measure(name: str, opener: Opener, dataset: Path, runs: int) -> str:
    """One markdown row: median seconds and rows per second over ``runs`` fresh databases."""
    timings = [one_run(opener, dataset) for _ in range(runs)]
    seconds = statistics.median(t for t, _ in timings)
    report = timings[0][1]
    return (
        f"| {name} | {report.total:,} | {report.interactions:,} | {seconds:.2f} "
        f"| {report.total / seconds:,.0f} | {report.interactions / seconds:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    backends: list[tuple[str, Opener]] = [("SQLite", sqlite_db)]
    if postgres_reachable():
        backends.append(("PostgreSQL", postgres_db))
    print(f"Import of `{args.dataset.name}`, median of {args.runs} runs, fresh database each\n")
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- machine: {platform.platform()}, {platform.processor() or platform.machine()}")
    print(f"- CPUs: {os.cpu_count()}, Python {platform.python_version()}\n")
    print("| backend | rows | interactions | seconds | rows/s | interactions/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, opener in backends:
        print(measure(name, opener, args.dataset, args.runs), flush=True)
    if not postgres_reachable():
        print("\nPostgreSQL skipped: 127.0.0.1:5432 is unreachable.")


if __name__ == "__main__":
    main()
