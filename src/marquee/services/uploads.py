"""Resumable uploads (tus 1.0: core, creation, termination, expiration) into the blob store.

Bytes go straight to a staged object in the blob store (``StagedUploads``); the database keeps
the declared length, the confirmed offset and a short write lock, so one PATCH at a time appends
and the offset a client reads with HEAD is always where the next PATCH must start. When the last
byte arrives the staged object is published under its key and the media service registers it
(asset + transcode job, or a sidecar track) in the same transaction that marks the upload done.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from marquee.clock import Clock, system_clock
from marquee.config import MediaSettings
from marquee.errors import ApiError, Conflict, FieldProblem, InvalidInput, NotFound, PayloadTooLarge
from marquee.media.errors import UnsupportedMedia
from marquee.media.sidecars import (
    MAX_SUBTITLE_BYTES,
    SidecarInput,
    check_track_identity,
    read_webvtt,
)
from marquee.services.media import MediaService, episode_of_title
from marquee.services.tokens import Principal
from marquee.storage.blob import BlobBackend, BlobNotFound
from marquee.storage.db import Database
from marquee.storage.db.tables import Title, Upload

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
PURPOSES = ("source", "subtitle", "audio")
# A crashed writer's lock lapses after this; a live one releases it when its request ends.
WRITE_LOCK = timedelta(minutes=15)
_EXPIRE_BATCH = 100


class UnsupportedMediaType(ApiError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported Content-Type"


@dataclass(frozen=True)
class UploadState:
    """What HEAD answers: how long the upload is, how far it got, until when it is kept."""

    id: str
    purpose: str
    length: int
    offset: int
    expires_at: datetime
    complete: bool
    asset_id: int | None


@dataclass(frozen=True)
class _Lease:
    upload_id: str
    key: str
    token: str
    length: int
    lock: str


def _meta_problem(key: str, reason: str) -> InvalidInput:
    return InvalidInput.on(f"Upload-Metadata.{key}", reason)


def parse_metadata(header: str) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if not key.isascii() or not key.isprintable() or key in found:
            raise InvalidInput.on("Upload-Metadata", f"bad or repeated key {key[:40]!r}")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _meta_problem(key, "the value is not base64-encoded UTF-8") from None
    return found


def _int_field(meta: Mapping[str, str], key: str) -> int | None:
    raw = meta.get(key, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**53:
        raise _meta_problem(key, "must be a positive integer")
    return int(raw)


def _capped(chunks: Iterable[bytes], room: int) -> Iterator[bytes]:
    """Pass chunks through while they fit in ``room`` bytes; refuse the one that would not."""
    for chunk in chunks:
        if len(chunk) > room:
            raise PayloadTooLarge(
                "the request goes past the end of the upload (its Upload-Length)",
                problems=[FieldProblem("body", "longer than the bytes the upload still expects")],
            )
        room -= len(chunk)
        yield chunk


class UploadsService:
    """Create, append to, inspect, terminate and expire resumable uploads."""

    def __init__(
        self,
        *,
        db: Database,
        blobs: BlobBackend,
        media: MediaService,
        settings: MediaSettings,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.media = media
        self.settings = settings
        self.clock = clock

    # --- creation -----------------------------------------------------------------------

    def create(self, *, caller: Principal, length: int, metadata: Mapping[str, str]) -> UploadState:
        """Start an upload of ``length`` bytes described by tus ``metadata``."""
        purpose, meta = self._checked_metadata(length, metadata)
        title_id, episode_id = int(meta["title_id"]), meta.get("episode_id")
        upload_id = secrets.token_hex(16)
        key = f"{'sources' if purpose == 'source' else 'sidecars'}/{upload_id}"
        token = self.blobs.stage_begin(key)
        now = self.clock()
        try:
            with self.db.session() as s:
                row = Upload(
                    id=upload_id,
                    account_id=caller.account_id,
                    purpose=purpose,
                    title_id=title_id,
                    episode_id=None if episode_id is None else int(episode_id),
                    length=length,
                    offset=0,
                    meta=meta,
                    blob_key=key,
                    blob_token=token,
                    state="open",
                    created_at=now,
                    updated_at=now,
                    expires_at=now + timedelta(seconds=self.settings.upload_ttl_s),
                )
                s.add(row)
                s.flush()
                return self._state(row)
        except BaseException:
            self.blobs.stage_abort(key, token)
            raise

    def _checked_metadata(
        self, length: int, metadata: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        purpose = metadata.get("purpose", "source")
        if purpose not in PURPOSES:
            raise _meta_problem("purpose", f"must be one of {', '.join(PURPOSES)}")
        limit = self.settings.max_upload_bytes if purpose != "subtitle" else MAX_SUBTITLE_BYTES
        if length > limit:
            raise PayloadTooLarge(
                f"the file is {length} bytes; a {purpose} upload may be at most {limit} bytes",
                problems=[FieldProblem("header.Upload-Length", f"larger than {limit} bytes")],
            )
        title_id, episode_id = _int_field(metadata, "title_id"), _int_field(metadata, "episode_id")
        if title_id is None:
            raise _meta_problem("title_id", "required: the title this file belongs to")
        meta: dict[str, Any] = {"title_id": title_id, "purpose": purpose}
        if episode_id is not None:
            meta["episode_id"] = episode_id
        filename = metadata.get("filename", metadata.get("name", ""))
        if len(filename) > 255:
            raise _meta_problem("filename", "longer than 255 characters")
        meta["filename"] = filename
        if purpose != "source":
            meta |= self._track_identity(purpose, metadata)
        self._check_target(title_id, episode_id, needs_asset=purpose != "source")
        return purpose, meta

    @staticmethod
    def _track_identity(purpose: str, metadata: Mapping[str, str]) -> dict[str, str]:
        language = metadata.get("language", "").strip()
        label = metadata.get("label", "").strip() or language
        try:
            check_track_identity(purpose, SidecarInput(language=language, label=label, path=Path()))
        except UnsupportedMedia as exc:
            key = "language" if exc.field.endswith(".language") else "label"
            raise _meta_problem(key, exc.reason) from None
        return {"language": language, "label": label}

    def _check_target(self, title_id: int, episode_id: int | None, *, needs_asset: bool) -> None:
        with self.db.session() as s:
            if s.get(Title, title_id) is None:
                raise _meta_problem("title_id", f"no title {title_id}")
            if episode_id is not None and not episode_of_title(
                s, title_id=title_id, episode_id=episode_id
            ):
                raise _meta_problem("episode_id", f"no episode {episode_id} in title {title_id}")
        if (
            needs_asset
            and self.media.newest_asset_id(title_id=title_id, episode_id=episode_id) is None
        ):
            raise Conflict("upload the video before its subtitles or audio tracks")

    # --- reading and appending ----------------------------------------------------------

    def status(self, *, caller: Principal, upload_id: str) -> UploadState:
        with self.db.session() as s:
            return self._state(self._visible(s, caller, upload_id))

    def append(
        self,
        *,
        caller: Principal,
        upload_id: str,
        offset: int,
        chunks: Iterable[bytes],
        content_length: int | None = None,
    ) -> UploadState:
        """Append a PATCH body at ``offset``; publish and register the file when it is whole."""
        lease = self._acquire(caller, upload_id, offset, content_length)
        written = offset
        try:
            if offset < lease.length:
                written = self.blobs.stage_append(
                    lease.key, lease.token, offset, _capped(chunks, lease.length - offset)
                )
            if written == lease.length:
                return self._complete(lease)
        except BaseException:
            written = self._staged_size(lease, fallback=written)
            raise
        finally:
            self._release(lease, written)
        return self.status(caller=caller, upload_id=upload_id)

    def _acquire(
        self, caller: Principal, upload_id: str, offset: int, content_length: int | None
    ) -> _Lease:
        now, lock = self.clock(), secrets.token_hex(8)
        with self.db.session() as s:
            row = self._visible(s, caller, upload_id)
            if row.state != "open":
                raise Conflict("the upload is already complete")
            if offset != row.offset:
                raise Conflict(
                    f"Upload-Offset is {offset} but the upload is at {row.offset}; "
                    "send HEAD and resume from there",
                    problems=[FieldProblem("header.Upload-Offset", f"expected {row.offset}")],
                )
            if content_length is not None and offset + content_length > row.length:
                raise PayloadTooLarge(
                    f"{content_length} bytes at offset {offset} go past the upload's "
                    f"length of {row.length} bytes",
                    problems=[FieldProblem("header.Content-Length", "past Upload-Length")],
                )
            taken = cast(
                CursorResult[Any],
                s.execute(
                    update(Upload)
                    .where(
                        Upload.id == upload_id,
                        Upload.offset == offset,
                        or_(Upload.lock_until.is_(None), Upload.lock_until < now),
                    )
                    .values(lock_token=lock, lock_until=now + WRITE_LOCK)
                    .execution_options(synchronize_session=False)
                ),
            )
            if taken.rowcount != 1:
                raise Conflict("another request is writing to this upload; retry after it ends")
            return _Lease(upload_id, row.blob_key, row.blob_token or "", row.length, lock)

    def _release(self, lease: _Lease, written: int) -> None:
        with self.db.session() as s:
            s.execute(
                update(Upload)
                .where(Upload.id == lease.upload_id, Upload.lock_token == lease.lock)
                .values(offset=written, lock_token=None, lock_until=None, updated_at=self.clock())
                .execution_options(synchronize_session=False)
            )

    def _staged_size(self, lease: _Lease, *, fallback: int) -> int:
        try:
            return self.blobs.stage_size(lease.key, lease.token)
        except Exception:  # the store itself failed; keep the last offset we know held
            return fallback

    def _complete(self, lease: _Lease) -> UploadState:
        try:
            size = self.blobs.stage_commit(lease.key, lease.token).size
        except BlobNotFound:  # committed by an earlier request that died before recording it
            size = self.blobs.stat(lease.key).size
        with self.db.session() as s:
            found = s.get(Upload, lease.upload_id)
            purpose, meta = (found.purpose, dict(found.meta)) if found else ("", {})
        if found is None:
            raise NotFound("the upload was terminated")
        if purpose == "subtitle":
            self._check_subtitle(lease, meta)
        with self.db.session() as s:
            row = s.get(Upload, lease.upload_id)
            if row is None:
                raise NotFound("the upload was terminated")
            row.asset_id = self.media.accept_upload(s, row, size=size)
            row.state, row.offset = "complete", size
            return self._state(row)

    def _check_subtitle(self, lease: _Lease, meta: Mapping[str, Any]) -> None:
        """Refuse a subtitle file that is not WebVTT now, while the producer is watching."""
        with tempfile.TemporaryDirectory(prefix="marquee-vtt-") as tmp:
            path = Path(tmp) / "subtitles.vtt"
            self.blobs.download(lease.key, path)
            try:
                read_webvtt(SidecarInput(str(meta["language"]), str(meta["label"]), path))
            except UnsupportedMedia as exc:
                self.blobs.delete(lease.key)
                self._forget(lease.upload_id)
                raise InvalidInput.on("body", exc.reason) from None

    # --- termination and expiry ---------------------------------------------------------

    def terminate(self, *, caller: Principal, upload_id: str) -> None:
        """Discard an unfinished upload and its bytes."""
        with self.db.session() as s:
            row = self._visible(s, caller, upload_id)
            if row.state == "complete":
                raise Conflict("the upload is complete; its file now belongs to a media asset")
            key, token = row.blob_key, row.blob_token or ""
            s.delete(row)
        self.blobs.stage_abort(key, token)

    def expire(self) -> int:
        """Discard unfinished uploads past their expiry; return how many."""
        now = self.clock()
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(Upload)
                    .where(Upload.state == "open", Upload.expires_at < now)
                    .limit(_EXPIRE_BATCH)
                )
            )
        for row in rows:
            self.blobs.stage_abort(row.blob_key, row.blob_token or "")
            self._forget(row.id)
        return len(rows)

    def _forget(self, upload_id: str) -> None:
        with self.db.session() as s:
            s.execute(delete(Upload).where(Upload.id == upload_id))

    # --- internals ----------------------------------------------------------------------

    def _visible(self, s: Any, caller: Principal, upload_id: str) -> Upload:
        row = s.get(Upload, upload_id) if len(upload_id) <= 64 else None
        mine = row is not None and (row.account_id == caller.account_id or caller.role.is_admin())
        if row is None or not mine:
            raise NotFound("no such upload")
        if row.state == "open" and row.expires_at < self.clock():
            raise NotFound("the upload expired; start a new one")
        return cast(Upload, row)

    @staticmethod
    def _state(row: Upload) -> UploadState:
        return UploadState(
            id=row.id,
            purpose=row.purpose,
            length=row.length,
            offset=row.offset,
            expires_at=row.expires_at,
            complete=row.state == "complete",
            asset_id=row.asset_id,
        )
