"""The embedded edge: check a signed media path, then find what it names.

Two kinds of object sit behind signed paths: a session's master playlist (in the online store,
under the reserved scope ``_session/{session}``) and blobs (segments, media playlists, subtitles,
posters, downloads). The HTTP side (ranges, caching headers) is in ``api/routes/media_edge.py``.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from marquee.clock import Clock
from marquee.errors import Forbidden, InvalidInput, NotFound
from marquee.media.signing import SignatureError, SignedPath, UrlSigner
from marquee.services.playback_urls import MASTER_NAME, SESSION_SCOPE, master_kv_key
from marquee.storage.blob import BlobNotFound, BlobStore
from marquee.storage.kv import OnlineStore

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
# Published renditions never change under a key (a re-transcode gets a new prefix), so they
# may be cached for a year; playlists briefly, since the session master is per session anyway.
IMMUTABLE = "public, max-age=31536000, immutable"
PLAYLIST = "private, max-age=10"


@dataclass(frozen=True)
class EdgeObject:
    """What a verified path names: its type, caching policy, size, validator, and a download
    filename when it should be saved rather than shown."""

    key: str
    content_type: str
    cache_control: str
    size: int
    etag: str
    inline: bytes | None = None  # the bytes themselves, for small objects kept in the kv store
    attachment: str | None = None


def content_type(key: str) -> str:
    _, ext = posixpath.splitext(key.lower())
    return CONTENT_TYPES.get(ext, "application/octet-stream")


class MediaEdge:
    def __init__(
        self, *, signer: UrlSigner, kv: OnlineStore, blobs: BlobStore, clock: Clock
    ) -> None:
        self._signer = signer
        self._kv = kv
        self._blobs = blobs
        self._clock = clock

    def verify(self, tail: str) -> SignedPath:
        try:
            return self._signer.verify(tail, now=self._clock().timestamp())
        except SignatureError as exc:
            raise Forbidden(f"media URL refused: {exc}") from None

    def find(self, signed: SignedPath) -> EdgeObject:
        """The object behind a verified path; NotFound when there is none."""
        if signed.key.startswith(f"{SESSION_SCOPE}/"):
            return self._session_master(signed)
        try:
            stat = self._blobs.stat(signed.key)
        except (BlobNotFound, InvalidInput):
            raise NotFound("no such media file") from None
        kind = content_type(signed.key)
        is_download = "/downloads/" in f"/{signed.key}"
        return EdgeObject(
            key=signed.key,
            content_type=kind,
            cache_control=PLAYLIST if kind.startswith("application/vnd.apple") else IMMUTABLE,
            size=stat.size,
            etag=stat.etag,
            attachment=posixpath.basename(signed.key) if is_download else None,
        )

    def open(self, obj: EdgeObject, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of ``obj``, streamed."""
        if obj.inline is not None:
            return iter((obj.inline[start:end],))
        return self._blobs.open_range(obj.key, start, end, chunk_size=256 * 1024)

    def _session_master(self, signed: SignedPath) -> EdgeObject:
        expected = f"{SESSION_SCOPE}/{signed.session}/{MASTER_NAME}"
        if signed.key != expected:
            raise NotFound("no such media file")
        body = self._kv.get(master_kv_key(signed.session))
        if body is None:
            raise NotFound("this playback session has ended or expired; start playback again")
        return EdgeObject(
            key=signed.key,
            content_type=CONTENT_TYPES[".m3u8"],
            cache_control="private, no-store",
            size=len(body),
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            inline=body,
        )
