"""Open every backend by URL and build the services. The only module that knows concrete classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from marquee.clock import Clock, system_clock
from marquee.config import Settings
from marquee.services.accounts import AccountsService
from marquee.services.billing import BillingService
from marquee.services.catalog import CatalogService
from marquee.services.events import EventsService
from marquee.services.plans import PlansService
from marquee.services.tokens import AccessTokens
from marquee.storage.db import Database
from marquee.storage.eventlog import EventLog
from marquee.storage.kv import OnlineStore


def open_online_store(url: str, *, namespace: str) -> OnlineStore:
    """``memory://``, ``sqlite:///path/online.db`` or ``redis://host:6379/0``."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        from marquee.storage.kv.memory import MemoryStore

        return MemoryStore(namespace=namespace)
    if scheme == "sqlite":
        from marquee.storage.kv.sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")), namespace=namespace)
    if scheme in ("redis", "rediss"):
        from marquee.storage.kv.redis import RedisStore

        return RedisStore(url, namespace=namespace)
    raise ValueError(f"online_url: unsupported scheme {scheme!r}")


def open_event_log(url: str, *, namespace: str) -> EventLog:
    """``sqlite:///path/events.db`` or ``redis://host:6379/0``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from marquee.storage.eventlog.sqlite import SqliteEventLog

        return SqliteEventLog(Path(url.removeprefix("sqlite:///")))
    if scheme in ("redis", "rediss"):
        from marquee.storage.eventlog.redis_streams import RedisStreamsEventLog

        return RedisStreamsEventLog(url, prefix=namespace)
    raise ValueError(f"events_url: unsupported scheme {scheme!r}")


@dataclass
class Container:
    """Everything a process needs, opened once; ``close()`` releases it."""

    settings: Settings
    clock: Clock
    db: Database
    kv: OnlineStore
    event_log: EventLog
    tokens: AccessTokens
    accounts: AccountsService
    billing: BillingService
    plans: PlansService
    catalog: CatalogService
    events: EventsService
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.kv.close()
            self.event_log.close()
            self.db.close()


def bootstrap(settings: Settings, *, clock: Clock = system_clock) -> Container:
    """Open the backends named in ``settings`` and wire the services over them."""
    # No statement may outlive the request that issued it.
    db = Database(
        settings.database_url, statement_timeout_ms=int(settings.http.request_timeout_s * 1000)
    )
    kv = open_online_store(settings.online_url, namespace=settings.kv_namespace)
    event_log = open_event_log(settings.events_url, namespace=settings.kv_namespace)
    tokens = AccessTokens(
        secret=settings.secret_key.get_secret_value(),
        ttl_s=settings.auth.access_token_ttl_s,
        kv=kv,
        clock=clock,
    )
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        kv=kv,
        event_log=event_log,
        tokens=tokens,
        accounts=AccountsService(db=db, kv=kv, tokens=tokens, settings=settings.auth, clock=clock),
        billing=BillingService(db=db, settings=settings.billing, clock=clock),
        plans=PlansService(db=db, settings=settings.billing, clock=clock),
        catalog=CatalogService(db=db, clock=clock),
        events=EventsService(event_log=event_log, db=db, clock=clock),
    )
