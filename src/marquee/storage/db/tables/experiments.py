"""A/B experiment definitions: variants (each selecting a named serving configuration),
guardrails and the draft → running → stopped lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from marquee.storage.db.base import Base, BigId, Json, UtcDateTime, utcnow


class Experiment(Base):
    """One experiment on a surface (``home``); ``variants`` is a list of
    ``{"name", "weight", "config"}`` objects, validated by ``marquee.experiments.definitions``."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    surface: Mapped[str] = mapped_column(String(32))
    salt: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | running | stopped
    variants: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    max_error_rate: Mapped[float] = mapped_column(Float, default=0.01)
    max_p99_ms: Mapped[float] = mapped_column(Float, default=250.0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # At most one running experiment per surface, even when two admins start one at once.
    __table_args__ = (
        Index(
            "uq_experiments_running_surface",
            "surface",
            unique=True,
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )
