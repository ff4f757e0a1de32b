"""Media: resumable uploads, source assets with their published renditions, sidecar tracks, jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marquee.storage.db.base import Base, BigId, Json, UtcDateTime, utcnow


class Upload(Base):
    """A resumable (tus 1.0) upload in progress or finished; bytes live in the blob store."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # source | subtitle | audio | artwork
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    blob_key: Mapped[str] = mapped_column(String(300))
    # The blob store's handle on the staged bytes (an S3 multipart upload id, a staging file).
    blob_token: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | complete | aborted
    # One PATCH at a time: a writer holds the upload until lock_until (a crash frees it).
    lock_token: Mapped[str | None] = mapped_column(String(32))
    lock_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    asset_id: Mapped[int | None] = mapped_column(BigInteger)  # the asset it made or joined
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_uploads_expires_at", "expires_at"),)


class MediaAsset(Base):
    """One uploaded source of a title or an episode and, once transcoded, its rendition set.

    ``manifest`` is written only when every rendition is complete (visibility flips at once).
    """

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    # uploaded | queued | processing | ready | failed | canceled
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    source_key: Mapped[str] = mapped_column(String(300))
    source_bytes: Mapped[int] = mapped_column(BigInteger)
    probe: Mapped[dict[str, Any] | None] = mapped_column(Json)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(Json)
    duration_s: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_media_assets_title_id_episode_id", "title_id", "episode_id"),)


class MediaSidecar(Base):
    """An uploaded subtitle (WebVTT) or extra audio track, published with the asset's renditions."""

    __tablename__ = "media_sidecars"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # subtitle | audio
    language: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_media_sidecars_asset_id", "asset_id"),)


class Job(Base):
    """A durable background job: claimed under a lease, retried with backoff, cancellable."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # queued | running | succeeded | failed | canceled
    state: Mapped[str] = mapped_column(String(16), default="queued")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_jobs_state_run_at", "state", "run_at"),)
