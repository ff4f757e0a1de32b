"""The playback services built together, since they share one signer and one lease store."""

from __future__ import annotations

from dataclasses import dataclass

from marquee.clock import Clock
from marquee.config import Settings
from marquee.media.signing import UrlSigner, media_key
from marquee.services.billing import BillingService
from marquee.services.downloads import DownloadsService
from marquee.services.events import EventsService
from marquee.services.media_edge import MediaEdge
from marquee.services.playback import PlaybackService
from marquee.services.playback_qoe import QoeService
from marquee.services.playback_urls import MediaUrls
from marquee.services.progress import ProgressService
from marquee.storage.blob import BlobStore
from marquee.storage.db import Database
from marquee.storage.kv import OnlineStore


@dataclass(frozen=True)
class PlaybackSuite:
    sessions: PlaybackService
    progress: ProgressService
    qoe: QoeService
    downloads: DownloadsService
    edge: MediaEdge


def build_playback(
    *,
    settings: Settings,
    db: Database,
    kv: OnlineStore,
    blobs: BlobStore,
    clock: Clock,
    billing: BillingService,
    events: EventsService,
) -> PlaybackSuite:
    signer = UrlSigner(media_key(settings))
    urls = MediaUrls(signer, origin=settings.playback.edge_url)
    return PlaybackSuite(
        sessions=PlaybackService(
            db=db,
            kv=kv,
            clock=clock,
            settings=settings.playback,
            billing=billing,
            events=events,
            urls=urls,
        ),
        progress=ProgressService(db=db, clock=clock),
        qoe=QoeService(db=db),
        downloads=DownloadsService(
            db=db,
            blobs=blobs,
            clock=clock,
            settings=settings.playback,
            billing=billing,
            urls=urls,
            ffmpeg_path=settings.media.ffmpeg_path,
        ),
        edge=MediaEdge(signer=signer, kv=kv, blobs=blobs, clock=clock),
    )
