"""seed plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import marquee.storage.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A snapshot of the columns this revision writes, so later model changes cannot alter it.
plans = sa.table(
    "plans",
    sa.column("code", sa.String(length=32)),
    sa.column("name", sa.String(length=64)),
    sa.column("price_minor", sa.Integer()),
    sa.column("currency", sa.String(length=3)),
    sa.column("max_resolution", sa.Integer()),
    sa.column("max_streams", sa.Integer()),
    sa.column("downloads", sa.Boolean()),
    sa.column("is_active", sa.Boolean()),
    sa.column("created_at", marquee.storage.db.base.UtcDateTime(timezone=True)),
)

SEED = [
    ("basic", "Basic", 799, 720, 1, False),
    ("standard", "Standard", 1299, 1080, 2, False),
    ("premium", "Premium", 1799, 2160, 4, True),
]


def upgrade() -> None:
    created_at = datetime.now(UTC)
    op.bulk_insert(
        plans,
        [
            {
                "code": code,
                "name": name,
                "price_minor": price_minor,
                "currency": "EUR",
                "max_resolution": max_resolution,
                "max_streams": max_streams,
                "downloads": downloads,
                "is_active": True,
                "created_at": created_at,
            }
            for code, name, price_minor, max_resolution, max_streams, downloads in SEED
        ],
    )


def downgrade() -> None:
    op.execute(plans.delete().where(plans.c.code.in_([row[0] for row in SEED])))
