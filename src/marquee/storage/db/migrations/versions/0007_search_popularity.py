"""The PostgreSQL search index: name words on their own, titles in popularity order.

A query matching thousands of titles (a genre word, "the") is ordered by "the name matches",
then popularity. Walking the popularity index and testing each title against the query stops
once the candidate pool is full; without it PostgreSQL read and sorted every match. Name
matches were a weight-A test on ``body``, which its GIN index cannot answer (every title with
the word was read to look at its weights: 20,000 for "a"); ``name_words`` has a GIN index of
its own. PostgreSQL only: SQLite's index file creates its own (``storage/search/sqlite.py``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 06:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE search.documents ADD COLUMN name_words tsvector"
            " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, name)) STORED"
        )
        # fastupdate off, as in 0005: a pending list after a rebuild made every query scan it.
        op.execute(
            "CREATE INDEX documents_name_words ON search.documents USING gin (name_words)"
            " WITH (fastupdate = off)"
        )
        op.execute(
            "CREATE INDEX documents_popularity ON search.documents (popularity DESC, title_id)"
        )
        op.execute("ANALYZE search.documents")  # the planner's statistics for the new column


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS search.documents_popularity")
        op.execute("ALTER TABLE search.documents DROP COLUMN IF EXISTS name_words")
