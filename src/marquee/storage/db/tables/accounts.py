"""Accounts, their profiles and refresh-token families."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marquee.storage.db.base import Base, BigId, Json, UtcDateTime, utcnow


class Account(Base):
    __tablename__ = "accounts"
    # SQLite would otherwise reuse a deleted account's id, and an old token would follow it.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # None for imported accounts that cannot log in until a password is set.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    profiles: Mapped[list[Profile]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="Profile.id"
    )


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    is_kids: Mapped[bool] = mapped_column(Boolean, default=False)
    maturity_level: Mapped[int] = mapped_column(Integer, default=18)
    language: Mapped[str] = mapped_column(String(16), default="en")
    country: Mapped[str] = mapped_column(String(2), default="US")
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    age_band: Mapped[str | None] = mapped_column(String(16))
    # Demographics from imports (gender, occupation, zip) and other optional attributes.
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="profiles")

    __table_args__ = (UniqueConstraint("account_id", "name"), {"sqlite_autoincrement": True})


class RefreshToken(Base):
    """One issued refresh token. Tokens of one login form a family; reuse revokes the family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    family: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_refresh_tokens_family", "family"),
        Index("ix_refresh_tokens_account_id", "account_id"),
    )
