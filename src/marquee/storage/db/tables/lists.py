"""Per-profile lists and editorial controls of the homepage: My List, onboarding picks,
editorial pins and exclusions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marquee.storage.db.base import Base, BigId, UtcDateTime, utcnow


class MyListEntry(Base):
    """A title a profile saved to watch later."""

    __tablename__ = "my_list"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OnboardingPick(Base):
    """A title or genre a new profile chose at onboarding (``ref``: title id or genre slug)."""

    __tablename__ = "onboarding_picks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # title | genre
    ref: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("profile_id", "kind", "ref"),)


class EditorialPin(Base):
    """An editor's choice: a title placed at ``position`` of a row (optionally per country)."""

    __tablename__ = "editorial_pins"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    row: Mapped[str] = mapped_column(String(32))  # a row kind, e.g. top-picks, trending
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    country: Mapped[str | None] = mapped_column(String(2))  # None: everywhere
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_editorial_pins_row", "row"),)


class Exclusion(Base):
    """A title never to recommend: to one profile, or to everyone when ``profile_id`` is None."""

    __tablename__ = "recommendation_exclusions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("profile_id", "title_id"),
        Index("ix_recommendation_exclusions_title_id", "title_id"),
    )
