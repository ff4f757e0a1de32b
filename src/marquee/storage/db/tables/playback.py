"""Playback: one row per streaming session (with its quality-of-experience totals) and the
per-profile watch progress that drives resume, Continue Watching and next episode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marquee.storage.db.base import Base, BigId, Json, UtcDateTime, utcnow


class PlaybackSession(Base):
    """A stream from start to stop (or to its lease running out)."""

    __tablename__ = "playback_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    plan: Mapped[str] = mapped_column(String(32))
    max_height: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2))
    device: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    position_s: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # stopped | expired
    heartbeats: Mapped[int] = mapped_column(Integer, default=0)
    # Quality of experience, folded from heartbeats by marquee.domain.playback.fold_heartbeat.
    startup_ms: Mapped[int | None] = mapped_column(Integer)
    watch_s: Mapped[float] = mapped_column(Float, default=0.0)
    rebuffer_ms: Mapped[int] = mapped_column(Integer, default=0)
    rebuffer_events: Mapped[int] = mapped_column(Integer, default=0)
    bitrate_kbps_s: Mapped[float] = mapped_column(Float, default=0.0)
    last_bitrate_kbps: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(Json, default=list)  # the latest few, for support

    __table_args__ = (
        Index("ix_playback_sessions_started_at", "started_at"),
        Index("ix_playback_sessions_account_id", "account_id"),
        Index("ix_playback_sessions_profile_id", "profile_id"),
    )


class WatchProgress(Base):
    """Where a profile is in a title (movie) or an episode; complete ones stay for next episode."""

    __tablename__ = "watch_progress"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    # "{title_id}" or "{title_id}:{episode_id}": NULL episode ids would not collide in a
    # unique constraint, so the key that must be unique is spelled out.
    item_key: Mapped[str] = mapped_column(String(40))
    position_s: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("profile_id", "item_key"),
        Index("ix_watch_progress_profile_id_updated_at", "profile_id", "updated_at"),
    )
