"""The URLs a session receives: its own master playlist and signed links into a rendition set.

Each variant, subtitle and audio rendition is signed for its own folder, so a session capped at
720p holds no URL that reaches the 1080p segments, even by editing the path. The per-session
master lives in the online store (it lists only the allowed variants) and is served by the edge
under the reserved scope ``_session/{session}``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from datetime import datetime

from marquee.domain.media import Manifest, Variant
from marquee.media.hls import render_master
from marquee.media.signing import UrlSigner

SESSION_SCOPE = "_session"
MASTER_NAME = "master.m3u8"


def master_kv_key(session_id: str) -> str:
    return f"playback:master:{session_id}"


class MediaUrls:
    """Signs paths of one rendition set for one session (or download) until ``expires``."""

    def __init__(self, signer: UrlSigner, *, origin: str) -> None:
        self._signer = signer
        self._origin = origin.rstrip("/")

    @staticmethod
    def expiry(now: datetime, ttl_s: int) -> int:
        return int(now.timestamp()) + ttl_s

    def master_url(self, session_id: str, expires: int) -> str:
        scope = f"{SESSION_SCOPE}/{session_id}"
        path = self._signer.url(session=session_id, expires=expires, scope=scope, path=MASTER_NAME)
        return self._origin + path

    def folder_url(self, session_id: str, expires: int, manifest: Manifest, rel: str) -> str:
        """URL of ``rel`` (manifest-relative), signed for the folder holding it.

        A file at the top of the rendition set is signed for itself alone: signing the top
        folder would grant every rung.
        """
        folder = posixpath.dirname(rel)
        scope = f"{manifest.prefix}/{folder}" if folder else f"{manifest.prefix}/{rel}"
        inside = posixpath.relpath(f"{manifest.prefix}/{rel}", scope) if folder else ""
        path = self._signer.url(session=session_id, expires=expires, scope=scope, path=inside)
        return self._origin + path

    def file_url(self, session_id: str, expires: int, key: str) -> str:
        """URL of one blob (a poster, a download), signed for that file only."""
        return self._origin + self._signer.url(session=session_id, expires=expires, scope=key)

    def master_playlist(
        self, session_id: str, expires: int, manifest: Manifest, variants: Sequence[Variant]
    ) -> str:
        """The session's master: ``variants`` only, every URI signed."""

        def uri(rel: str) -> str:
            return self.folder_url(session_id, expires, manifest, rel)

        return render_master(variants, manifest.subtitles, manifest.audio, uri=uri)
