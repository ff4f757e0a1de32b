"""Search latency over a 60,000-title synthetic catalog, SQLite FTS5 and PostgreSQL.

Run: ``.venv/bin/python bench/bench_search.py [--titles 60000] [--queries 2000]``. For each
backend: a fresh database, the synthetic platform imported, the index built, then a fixed mix of
queries (whole names, prefixes while typing, misspellings, genre words; half of them as a
profile, so taste re-ranking and event logging are included) timed one by one in process
(server side: no HTTP). Prints a markdown table with the machine and the date. PostgreSQL is
skipped when 127.0.0.1:5432 is unreachable.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from marquee.bootstrap import bootstrap
from marquee.config import Settings
from marquee.services.imports import import_synthetic
from marquee.services.viewers import viewer_of
from marquee.storage.db import Database
from marquee.storage.db.migrate import upgrade
from marquee.storage.db.tables import Profile, Title
from marquee.storage.search import SearchFilters

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SHAPES = ("name",) * 4 + ("prefix",) * 3 + ("typo",) * 2 + ("genre",)  # query i is SHAPES[i % 10]
REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)


def _pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'marquee.db'}"
        return
    import psycopg

    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _queries(names: list[str], count: int, seed: int) -> list[str]:
    """A fixed mix: 40 % whole names, 30 % typing prefixes, 20 % one typo, 10 % genre words."""
    rng = random.Random(seed)
    genres = ["drama", "comedy", "thriller", "animation", "documentary", "crime", "romance"]
    out: list[str] = []
    for i in range(count):
        name = rng.choice(names)
        words = name.split()
        roll = i % 10
        if roll < 4:
            out.append(name)
        elif roll < 7:
            cut = max(1, len(words[-1]) // 2)
            out.append(" ".join([*words[:-1], words[-1][:cut]]))
        elif roll < 9:
            word = max(words, key=len)
            if len(word) > 4:
                pos = rng.randrange(1, len(word) - 1)
                word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
            out.append(word)
        else:
            out.append(rng.choice(genres))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(kind: str, *, titles: int, queries: int) -> dict[str, float]:
    """Build, then time the mix; keys ``search_p99_<shape>`` give the p99 of each shape."""
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        folder = Path(tmp)
        db = Database(url)
        upgrade(db)
        import_synthetic(
            db, profiles=500, titles=titles, seed=7, reference=REFERENCE, now=REFERENCE
        )
        db.close()
        settings = Settings(
            data_dir=folder,
            database_url=url,
            online_url="memory://",
            events_url=f"sqlite:///{folder / 'events.db'}",
            log_json=False,
            search={"refresh_interval_s": 3600},
        )
        container = bootstrap(settings)
        try:
            started = time.perf_counter()
            container.search.rebuild()
            build_s = time.perf_counter() - started
            with container.db.session() as s:
                names = list(s.scalars(select(Title.name)))
                viewers = [viewer_of(p) for p in s.scalars(select(Profile).limit(50))]
            mix = _queries(names, queries, seed=11)
            search_ms, suggest_ms = [], []
            for i, q in enumerate(mix):
                viewer = viewers[i % len(viewers)] if i % 2 else None
                t0 = time.perf_counter()
                container.search.search(q=q, filters=SearchFilters(), viewer=viewer, limit=20)
                t1 = time.perf_counter()
                container.search.suggest(q=q[: max(2, len(q) // 2)], viewer=viewer)
                t2 = time.perf_counter()
                search_ms.append((t1 - t0) * 1000)
                suggest_ms.append((t2 - t1) * 1000)
        finally:
            container.close()
    by_shape = {
        f"search_p99_{shape}": _percentile(
            [ms for i, ms in enumerate(search_ms) if SHAPES[i % 10] == shape], 0.99
        )
        for shape in dict.fromkeys(SHAPES)
    }
    return {
        **by_shape,
        "build_s": build_s,
        "search_p50": statistics.median(search_ms),
        "search_p99": _percentile(search_ms, 0.99),
        "suggest_p50": statistics.median(suggest_ms),
        "suggest_p99": _percentile(suggest_ms, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if _pg_up() else [])
    print(
        f"Search over {args.titles:,} synthetic titles, {args.queries:,} queries; "
        f"{platform.node()} ({os.cpu_count()} CPUs), {datetime.now(UTC):%Y-%m-%d}\n"
    )
    print(
        "| backend | index build (s) | search p50 (ms) | search p99 (ms) "
        "| suggest p50 (ms) | suggest p99 (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    notes = []
    for kind in backends:
        r = run(kind, titles=args.titles, queries=args.queries)
        print(
            f"| {kind} | {r['build_s']:.1f} | {r['search_p50']:.2f} | {r['search_p99']:.2f} "
            f"| {r['suggest_p50']:.2f} | {r['suggest_p99']:.2f} |",
            flush=True,
        )
        shapes = (f"{k.removeprefix('search_p99_')} {v:.2f}" for k, v in r.items() if "_p99_" in k)
        notes.append(f"{kind}: search p99 by query shape (ms): {', '.join(shapes)}")
    print("", *notes, sep="\n")


if __name__ == "__main__":
    main()
