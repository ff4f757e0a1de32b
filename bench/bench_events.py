"""Stream processing throughput and feature freshness, on both event-log backends.

Run: ``.venv/bin/python bench/bench_events.py [--events 200000] [--profiles 2000]``.

1. Throughput: the log is filled with ``--events`` envelopes (a viewing mix: mostly heartbeats,
   plays, stops, completions, impressions) over ``--profiles`` profiles; one stream processor
   drains it; events/s = entries processed ÷ wall time. Also the pure compute part (parse,
   merge, evaluate, encode; no I/O) to show where the time goes.
2. Freshness: the processor runs as a thread (``run(stop)``, as in the worker) while a producer
   appends batches at ``--rate`` events/s; probe events are timed from "append returned" (the
   moment ``POST /v1/events`` would answer) to "the online feature shows them", p50/p99.

Backends: SQLite log + SQLite online store (embedded); Redis Streams + Redis (production, when
Redis is reachable at 127.0.0.1:6379). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marquee.domain.events import Event
from marquee.features.catalog import FixedTitleCatalog
from marquee.features.online import OnlineFeatures, realtime_key
from marquee.features.processor import StreamProcessor
from marquee.storage.eventlog import EventLog, LogEntry, LogRecord
from marquee.storage.kv import OnlineStore

REDIS = "redis://127.0.0.1:6379/14"
TITLES = 500
CATALOG = FixedTitleCatalog({t: (f"g{t % 17}", f"g{t % 5}") for t in range(1, TITLES + 1)})
MIX = ["heartbeat"] * 14 + ["play_start"] * 2 + ["stop", "complete", "impression", "pause"]


def envelope(rng: random.Random, profile: int, at: datetime, kind: str) -> dict[str, object]:
    body: dict[str, object] = {
        "schema_version": 1, "event_id": uuid.uuid4().hex, "type": kind, "profile_id": profile,
        "session_id": f"s-{profile}", "item": {"title_id": rng.randint(1, TITLES)},
        "position_s": float(rng.randint(0, 3000)), "duration_s": 3600.0, "device": "tv",
        "country": "ES", "client_time": at.isoformat(), "server_time": at.isoformat(),
        "experiments": {}, "context": {},
    }  # fmt: skip
    if kind == "impression":
        body.update(row="top-picks", position=rng.randint(0, 20))
    return body


def workload(count: int, profiles: int, seed: int = 1) -> list[LogRecord]:
    """Each profile's events 10 s apart (a heartbeat cadence), profiles interleaved."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=6)
    records = []
    for n in range(count):
        profile = 1 + n % profiles
        at = start + timedelta(seconds=10 * (n // profiles))
        body = envelope(rng, profile, at, rng.choice(MIX))
        records.append(LogRecord(str(body["event_id"]), profile, json.dumps(body).encode()))
    Event.model_validate_json(records[0].payload)  # the payloads are real envelopes
    return records


@contextmanager
def backend(name: str) -> Iterator[tuple[EventLog, OnlineStore]]:
    if name == "sqlite":
        from marquee.storage.eventlog.sqlite import SqliteEventLog
        from marquee.storage.kv.sqlite import SqliteStore

        with tempfile.TemporaryDirectory() as tmp:
            log, kv = SqliteEventLog(Path(tmp) / "events.db"), SqliteStore(Path(tmp) / "kv.db")
            yield log, kv
            log.close()
            kv.close()
        return
    import redis

    from marquee.storage.eventlog.redis_streams import RedisStreamsEventLog
    from marquee.storage.kv.redis import RedisStore

    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    log2 = RedisStreamsEventLog(REDIS, prefix=namespace)
    kv2 = RedisStore(REDIS, namespace=namespace, socket_timeout=5.0)
    try:
        yield log2, kv2
    finally:
        log2.close()
        kv2.close()
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"{namespace}:*", count=5000):
            client.unlink(key)
        client.close()


def fill(log: EventLog, records: list[LogRecord]) -> None:
    for start in range(0, len(records), 5000):
        log.append(records[start : start + 5000])


def throughput(name: str, records: list[LogRecord], batch: int) -> dict[str, float]:
    with backend(name) as (log, kv):
        fill(log, records)
        processor = StreamProcessor(
            event_log=log, features=OnlineFeatures(kv, CATALOG), batch_size=batch
        )
        started, cpu = time.perf_counter(), time.process_time()
        while processor.step(block_ms=0):
            pass
        seconds = time.perf_counter() - started
        cpu_s = time.process_time() - cpu
        return {"events": processor.stats.entries, "seconds": seconds, "cpu": cpu_s}


def compute_only(records: list[LogRecord], batch: int) -> tuple[float, float]:
    """Events/s of ``process()`` over the in-memory online store: the CPU part alone."""
    from marquee.storage.kv.memory import MemoryStore

    processor = StreamProcessor(
        event_log=None,  # type: ignore[arg-type]  # process() does not touch the log
        features=OnlineFeatures(MemoryStore(), CATALOG),
    )
    entries = [LogEntry(str(n), r.event_id, r.profile_id, r.payload) for n, r in enumerate(records)]
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(entries), batch):
        processor.process(entries[start : start + batch])
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return len(records) / wall_s, len(records) / cpu_s


def freshness(name: str, rate: int, seconds: float, profiles: int) -> tuple[list[float], float]:
    """Latencies (s) from append to visible, one probe per producer batch, and the load
    achieved (events/s): the producer waits for each probe, so it may fall below ``rate``."""
    with backend(name) as (log, kv):
        features = OnlineFeatures(kv, CATALOG)
        processor = StreamProcessor(event_log=log, features=features, block_ms=50)
        stop = threading.Event()
        worker = threading.Thread(target=processor.run, args=(stop,), daemon=True)
        worker.start()
        rng = random.Random(2)
        latencies: list[float] = []
        tick, per_tick = 0.05, max(1, rate // 20)
        at = datetime.now(UTC)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            began = time.monotonic()
            at += timedelta(milliseconds=50)
            batch = [envelope(rng, rng.randint(1, profiles), at, rng.choice(MIX))
                     for _ in range(per_tick - 1)]  # fmt: skip
            probe = envelope(rng, profiles + 1, at, "heartbeat")
            batch.append(probe)
            log.append([LogRecord(str(b["event_id"]), int(str(b["profile_id"])),
                                  json.dumps(b).encode()) for b in batch])  # fmt: skip
            accepted = time.monotonic()
            latencies.append(_visible(kv, profiles + 1, at, accepted))
            time.sleep(max(0.0, tick - (time.monotonic() - began)))
        stop.set()
        worker.join()
        return latencies, len(latencies) * per_tick / seconds


def _visible(kv: OnlineStore, profile: int, at: datetime, accepted: float) -> float:
    """Poll the materialised features until their ``as_of`` reaches the probe's time."""
    while time.monotonic() - accepted < 10:
        raw = kv.get(realtime_key(profile))
        # The features are the part before the first newline (the state follows it).
        if raw is not None and _as_of(raw) >= at:
            return time.monotonic() - accepted
        time.sleep(0.002)
    return float("inf")


def _as_of(raw: bytes) -> datetime:
    return datetime.fromisoformat(json.loads(raw.partition(b"\n")[0])["as_of"])


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=5000, help="freshness load, events/s")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    names = ["sqlite"] + (["redis"] if reachable(6379) else [])
    records = workload(args.events, args.profiles)
    # The workload lives in memory for the whole run (a processor holds one batch); keep the
    # collector from rescanning it at every collection, which would bill the processor for it.
    gc.freeze()
    wall, cpu = compute_only(records, args.batch)
    print(f"process() over the in-memory store: {wall:,.0f} events/s wall, {cpu:,.0f} per CPU-s")
    print("\n| backend | events | profiles | batch | wall s | events/s | processor CPU s |"
          " events per CPU-s |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        r = throughput(name, records, args.batch)
        print(f"| {name} | {r['events']:,.0f} | {args.profiles:,} | {args.batch} |"
              f" {r['seconds']:.2f} | {r['events'] / r['seconds']:,.0f} | {r['cpu']:.2f} |"
              f" {r['events'] / r['cpu']:,.0f} |")  # fmt: skip
    print("\n| backend | load events/s | probes | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        lat, load = freshness(name, args.rate, args.seconds, args.profiles)
        print(f"| {name} | {load:,.0f} | {len(lat)} | {statistics.median(lat) * 1000:.0f} |"
              f" {pct(lat, 0.99) * 1000:.0f} | {max(lat) * 1000:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
