"""Event log + online store pairs for the feature tests: SQLite files, or Redis (the same
server for both, under a unique namespace that is wiped afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from marquee.domain.events import Event
from marquee.features.catalog import FixedTitleCatalog
from marquee.features.online import OnlineFeatures
from marquee.features.processor import StreamProcessor
from marquee.storage.eventlog import EventLog, LogRecord
from marquee.storage.kv import OnlineStore
from tests.features_sample import GENRES, LANGUAGES
from tests.services import REDIS_URL, need, unique_namespace

CATALOG = FixedTitleCatalog(GENRES, LANGUAGES)


@dataclass
class Pipeline:
    backend: str
    log: EventLog
    kv: OnlineStore
    features: OnlineFeatures
    urls: dict[str, str]

    def publish(self, events: list[Event]) -> int:
        return self.log.append([LogRecord(e.event_id, e.profile_id, e.to_json()) for e in events])

    def processor(self, **options: object) -> StreamProcessor:
        return StreamProcessor(event_log=self.log, features=self.features, **options)  # type: ignore[arg-type]

    def drain(self, processor: StreamProcessor | None = None) -> StreamProcessor:
        """Process until the log has nothing new; returns the processor used."""
        processor = processor or self.processor(batch_size=100)
        while processor.step(block_ms=0):
            pass
        return processor


@contextmanager
def pipeline(backend: str, tmp_path: Path) -> Iterator[Pipeline]:
    if backend == "sqlite":
        from marquee.storage.eventlog.sqlite import SqliteEventLog
        from marquee.storage.kv.sqlite import SqliteStore

        log_path, kv_path = tmp_path / "events.db", tmp_path / "online.db"
        kv = SqliteStore(kv_path)
        urls = {"events_url": f"sqlite:///{log_path}", "online_url": f"sqlite:///{kv_path}",
                "namespace": "mq"}  # fmt: skip
        sqlite_log = SqliteEventLog(log_path)
        try:
            yield Pipeline(backend, sqlite_log, kv, OnlineFeatures(kv, CATALOG), urls)
        finally:
            sqlite_log.close()
            kv.close()
        return
    need("redis")
    import redis

    from marquee.storage.eventlog.redis_streams import RedisStreamsEventLog
    from marquee.storage.kv.redis import RedisStore

    namespace = unique_namespace()
    redis_log = RedisStreamsEventLog(REDIS_URL, prefix=namespace, partitions=4)
    store = RedisStore(REDIS_URL, namespace=namespace, socket_timeout=5.0)
    urls = {"events_url": REDIS_URL, "online_url": REDIS_URL, "namespace": namespace}
    try:
        yield Pipeline(backend, redis_log, store, OnlineFeatures(store, CATALOG), urls)
    finally:
        redis_log.close()
        store.close()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
