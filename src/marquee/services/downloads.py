"""Downloads: a signed, expiring link to an MP4 of one allowed rung.

The MP4 is made once per rung (a stream copy of its HLS segments, no re-encoding), stored beside
the renditions under ``{prefix}/downloads/{height}p.mp4``, and served by the same edge as the
segments, with range requests so an interrupted download resumes.
"""

from __future__ import annotations

import posixpath
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from marquee.clock import Clock
from marquee.config import PlaybackSettings
from marquee.domain.media import Manifest, Variant
from marquee.domain.playback import download_variant
from marquee.errors import Forbidden, InvalidInput
from marquee.media.hls import parse_media_playlist
from marquee.media.remux import remux_args
from marquee.media.runner import find_ffmpeg, run_ffmpeg
from marquee.services.billing import BillingService
from marquee.services.playback_access import Grant, Request, grant
from marquee.services.playback_urls import MediaUrls
from marquee.storage.blob import BlobStore
from marquee.storage.db import Database

REMUX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: int
    height: int
    size_bytes: int
    filename: str


class DownloadsService:
    def __init__(
        self,
        *,
        db: Database,
        blobs: BlobStore,
        clock: Clock,
        settings: PlaybackSettings,
        billing: BillingService,
        urls: MediaUrls,
        ffmpeg_path: str = "",
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._clock = clock
        self._settings = settings
        self._billing = billing
        self._urls = urls
        self._ffmpeg_path = ffmpeg_path  # resolved when first needed, not at start-up

    def create(
        self,
        *,
        account_id: int,
        profile_id: int,
        title_id: int,
        episode_id: int | None = None,
        height: int | None = None,
    ) -> DownloadLink:
        """Check the plan and the title allow it, make the MP4 if needed, sign a link to it."""
        now = self._clock()
        entitlements = self._billing.entitlements(account_id)
        with self._db.session() as s:
            allowed = grant(
                s,
                Request(account_id, profile_id, title_id, episode_id),
                entitlements=entitlements,
                now=now,
            )
        variant = self._variant(allowed, height)
        key = f"{allowed.manifest.prefix}/downloads/{variant.height}p.mp4"
        if not self._blobs.exists(key):
            self._remux(allowed.manifest, variant, key)
        expires = self._urls.expiry(now, self._settings.download_ttl_s)
        return DownloadLink(
            url=self._urls.file_url("d" + secrets.token_urlsafe(18), expires, key),
            expires_at=expires,
            height=variant.height,
            size_bytes=self._blobs.stat(key).size,
            filename=posixpath.basename(key),
        )

    @staticmethod
    def _variant(allowed: Grant, height: int | None) -> Variant:
        if not allowed.downloads:
            raise Forbidden(f"Your {allowed.plan_name} plan does not include downloads")
        if not allowed.downloadable:
            raise Forbidden(f"'{allowed.title_name}' is not available for download")
        try:
            return download_variant(allowed.manifest.variants, allowed.max_height, height)
        except ValueError as exc:
            if height is not None and height > allowed.max_height:
                raise Forbidden(str(exc)) from None
            raise InvalidInput.on("body.height", str(exc)) from None

    def _remux(self, manifest: Manifest, variant: Variant, key: str) -> None:
        """Fetch the rung's playlist and segments, stream-copy them into one MP4, publish it.

        Two requests racing here both remux; the blob store's atomic write keeps one whole file.
        """
        folder = posixpath.dirname(f"{manifest.prefix}/{variant.playlist}")
        with tempfile.TemporaryDirectory(prefix="marquee-remux-") as tmp:
            work = Path(tmp)
            playlist = work / posixpath.basename(variant.playlist)
            self._blobs.download(f"{manifest.prefix}/{variant.playlist}", playlist)
            for segment in parse_media_playlist(playlist.read_text()):
                name = segment.uri
                if "/" in name or name.startswith("."):
                    raise ValueError(f"unexpected segment URI {name[:80]!r} in {variant.playlist}")
                self._blobs.download(f"{folder}/{name}", work / name)
            out = work / "download.mp4"
            ffmpeg = find_ffmpeg(self._ffmpeg_path)
            run_ffmpeg(remux_args(ffmpeg, playlist, out), timeout_s=REMUX_TIMEOUT_S)
            self._blobs.put_file(key, out)
