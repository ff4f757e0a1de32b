"""Open every backend by URL and build the services. The only module that knows concrete classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from marquee.clock import Clock, system_clock
from marquee.compute import Executor, open_executor
from marquee.config import BlobSettings, Settings
from marquee.experiments.assignment import Assigner
from marquee.experiments.service import ExperimentService
from marquee.features.catalog import DatabaseTitleCatalog
from marquee.features.online import OnlineFeatures
from marquee.features.processor import GROUP as FEATURES_GROUP
from marquee.recs.coldstart import ColdStart, PopularTitles
from marquee.recs.guard import Breaker, Guard
from marquee.recs.impressions import ImpressionLog
from marquee.recs.ranking.taste import TasteSource
from marquee.recs.registry import ModelRegistry
from marquee.recs.rows import SERVING_CONFIGS
from marquee.recs.serving import HomeService
from marquee.recs.serving_metrics import ServingMetrics
from marquee.recs.similar import SimilarService
from marquee.services.accounts import AccountsService
from marquee.services.archiver import Archiver
from marquee.services.billing import BillingService
from marquee.services.catalog import CatalogService
from marquee.services.data_export import DataExport
from marquee.services.events import EventsService
from marquee.services.lists import ListsService
from marquee.services.media import MediaService
from marquee.services.plans import PlansService
from marquee.services.playback_suite import PlaybackSuite, build_playback
from marquee.services.privacy import PrivacyService
from marquee.services.search import SearchService
from marquee.services.title_cards import TitleCards
from marquee.services.tokens import AccessTokens
from marquee.services.uploads import UploadsService
from marquee.storage.blob import BlobBackend
from marquee.storage.db import Database
from marquee.storage.eventlog import EventLog
from marquee.storage.jobs import Backoff, JobQueue
from marquee.storage.kv import OnlineStore
from marquee.storage.lake import Lake
from marquee.storage.search import SearchIndex


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


def open_blob_store(url: str, settings: BlobSettings | None = None) -> BlobBackend:
    """``file:///abs/dir`` or ``s3://bucket/prefix`` (endpoint and keys from ``[blob]``)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        from marquee.storage.blob.local import LocalBlobStore

        return LocalBlobStore(Path(parts.netloc + parts.path))
    if parts.scheme == "s3":
        from marquee.storage.blob.s3 import S3BlobStore, S3Options

        blob = settings or BlobSettings()
        return S3BlobStore(
            url,
            S3Options(
                endpoint_url=blob.s3_endpoint_url,
                region=blob.s3_region,
                access_key_id=blob.s3_access_key_id,
                secret_access_key=blob.s3_secret_access_key.get_secret_value(),
                part_bytes=blob.s3_part_bytes,
                timeout_s=blob.s3_timeout_s,
            ),
        )
    raise ValueError(f"blob_url: unsupported scheme {parts.scheme!r}")


def open_job_queue(db: Database, settings: Settings, clock: Clock) -> JobQueue:
    """The durable job queue in the relational database, with the retry and limit settings."""
    media = settings.media
    limits = {"transcode": media.transcode_max_running} if media.transcode_max_running else {}
    return JobQueue(
        db,
        clock=clock,
        backoff=Backoff(base_s=media.job_backoff_s, cap_s=media.job_backoff_max_s),
        limits=limits,
        default_max_attempts=media.job_max_attempts,
    )


def open_search_index(db: Database) -> SearchIndex:
    """PostgreSQL: the ``search`` schema of the database itself (full text + pg_trgm).
    SQLite: an FTS5 file beside the database (``marquee.db`` → ``marquee.search.db``)."""
    if db.dialect == "postgresql":
        from marquee.storage.search.postgres import PostgresSearchIndex

        return PostgresSearchIndex(db)
    from marquee.storage.search.sqlite import SqliteSearchIndex

    database = db.engine.url.database or ""
    if database in ("", ":memory:"):
        raise ValueError("database_url: an in-memory SQLite database cannot carry a search index")
    return SqliteSearchIndex(Path(database).with_suffix(".search.db"))


def open_lake(settings: Settings) -> Lake:
    """Iceberg at ``lake_url`` (``file://`` or ``s3://``) with a SQL catalog (``lake.catalog_url``,
    default a SQLite file in the data directory). Opened lazily, on first use."""
    from marquee.storage.lake.iceberg import IcebergLake

    lake = settings.lake
    catalog_url = lake.catalog_url or f"sqlite:///{settings.data_dir.resolve() / 'lake-catalog.db'}"
    if catalog_url.startswith("sqlite:///"):
        Path(catalog_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    properties = {"s3.endpoint": lake.s3_endpoint} if lake.s3_endpoint else {}
    return IcebergLake(
        warehouse=settings.lake_url,
        catalog_url=catalog_url,
        catalog=settings.kv_namespace,
        namespace=lake.namespace,
        properties=properties,
    )


@dataclass
class Container:
    """Everything a process needs, opened once; ``close()`` releases it."""

    settings: Settings
    clock: Clock
    db: Database
    kv: OnlineStore
    event_log: EventLog
    blobs: BlobBackend
    jobs: JobQueue
    tokens: AccessTokens
    accounts: AccountsService
    billing: BillingService
    plans: PlansService
    catalog: CatalogService
    events: EventsService
    media: MediaService
    uploads: UploadsService
    cards: TitleCards
    search: SearchService
    lists: ListsService
    lake: Lake
    archiver: Archiver
    privacy: PrivacyService
    data_export: DataExport
    features: OnlineFeatures
    playback: PlaybackSuite
    compute: Executor
    home: HomeService
    similar: SimilarService
    onboarding: ColdStart
    registry: ModelRegistry
    experiments: ExperimentService
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.home.pages.close()
            self.home.impressions.close()
            self.search.close()  # drains queued search events: before the event log closes
            self.home.guard.close()
            self.compute.close()
            self.kv.close()
            self.event_log.close()
            self.blobs.close()
            self.lake.close()
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
        db=db,  # checks revocations when the online store is down
    )
    events = EventsService(event_log=event_log, db=db, clock=clock)
    cards = TitleCards(db)
    features = OnlineFeatures(kv, DatabaseTitleCatalog(db))
    search = SearchService(
        db=db,
        index=open_search_index(db),
        events=events,
        taste=TasteSource(db=db, features=features),
        cards=cards,
        settings=settings.search,
        clock=clock,
    )
    accounts = AccountsService(db=db, kv=kv, tokens=tokens, settings=settings.auth, clock=clock)
    lake = open_lake(settings)
    blobs = open_blob_store(settings.blob_url, settings.blob)
    jobs = open_job_queue(db, settings, clock)
    media = MediaService(db=db, jobs=jobs, settings=settings.media, clock=clock)
    billing = BillingService(db=db, settings=settings.billing, clock=clock)
    playback = build_playback(
        settings=settings, db=db, kv=kv, blobs=blobs, clock=clock, billing=billing, events=events
    )
    experiments = ExperimentService(
        db=db, lake=lake, settings=settings.recs, configs=SERVING_CONFIGS, clock=clock
    )
    serving = build_serving(
        settings=settings, db=db, kv=kv, cards=cards, features=features, events=events,
        playback=playback, clock=clock, experiments=experiments, event_log=event_log,
    )  # fmt: skip
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        blobs=blobs,
        jobs=jobs,
        media=media,
        uploads=UploadsService(
            db=db, blobs=blobs, media=media, settings=settings.media, clock=clock
        ),
        kv=kv,
        event_log=event_log,
        tokens=tokens,
        accounts=accounts,
        billing=billing,
        plans=PlansService(db=db, settings=settings.billing, clock=clock),
        catalog=CatalogService(db=db, clock=clock),
        events=events,
        cards=cards,
        search=search,
        lists=ListsService(db=db, events=events, cards=cards, clock=clock),
        lake=lake,
        archiver=Archiver(
            event_log=event_log,
            lake=lake,
            db=db,
            batch=settings.lake.archive_batch,
            # The log keeps what the stream processor has not acknowledged yet.
            retain_for=(FEATURES_GROUP,),
        ),
        privacy=PrivacyService(
            accounts=accounts,
            event_log=event_log,
            lake=lake,
            kv=kv,
            clock=clock,
            erasers=[events.forget_profile],  # its ownership cache
        ),
        data_export=DataExport(db=db, event_log=event_log, lake=lake, clock=clock),
        features=features,
        playback=playback,
        compute=open_executor(settings.compute_url),
        home=serving[0],
        similar=serving[1],
        onboarding=serving[2],
        registry=ModelRegistry(
            blobs,
            metrics=settings.recs.promotion_metrics,
            tolerance=settings.recs.promotion_tolerance,
            clock=clock,
        ),
        experiments=experiments,
    )


def build_serving(
    *,
    settings: Settings,
    db: Database,
    kv: OnlineStore,
    cards: TitleCards,
    features: OnlineFeatures,
    events: EventsService,
    playback: PlaybackSuite,
    clock: Clock,
    experiments: Assigner | None = None,
    event_log: EventLog,
) -> tuple[HomeService, SimilarService, ColdStart]:
    """The recommendation request path: homepage, More Like This and onboarding."""
    recs = settings.recs
    popular = PopularTitles(db)
    onboarding = ColdStart(db=db, cards=cards, popular=popular, events=events, clock=clock)
    breaker = Breaker(failures=recs.breaker_failures, reset_s=recs.breaker_reset_s)
    home = HomeService(
        db=db,
        kv=kv,
        cards=cards,
        features=features,
        progress=playback.progress,
        lists=ListsService(db=db, events=events, cards=cards, clock=clock),
        coldstart=onboarding,
        popular=popular,
        impressions=ImpressionLog(event_log),
        guard=Guard(timeout_s=recs.online_timeout_ms / 1000, breaker=breaker),
        metrics=ServingMetrics(),
        settings=recs,
        clock=clock,
        experiments=experiments,
    )
    taste = TasteSource(db=db, features=features)
    similar = SimilarService(home=home, cards=cards, popular=popular, taste=taste, clock=clock)
    return home, similar, onboarding
