"""Interactions recorded before the event pipeline existed (imports, early playback).

The event-pipeline issue moves these into the event log; until then models train from here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marquee.storage.db.base import Base, BigId, UtcDateTime


class Interaction(Base):
    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # rate | play | thumbs_up | thumbs_down
    # rate: the rating on its own scale; play: completion in [0, 1]; thumbs: 1.
    value: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(32))  # e.g. ml-100k, synthetic, playback

    __table_args__ = (
        UniqueConstraint("profile_id", "title_id", "kind", "occurred_at"),
        Index("ix_interactions_title_id", "title_id"),
        Index("ix_interactions_occurred_at", "occurred_at"),
    )
