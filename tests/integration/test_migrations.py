"""Migrations: the migrated schema equals the models on both databases; upgrade is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from marquee.bootstrap import Container
from marquee.storage.db.base import Base
from marquee.storage.db.migrate import current_revision, head_revision, is_up_to_date, upgrade


def test_migrated_schema_matches_the_models(container: Container) -> None:
    with container.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_twice_changes_nothing(container: Container) -> None:
    upgrade(container.db)
    upgrade(container.db)
    assert current_revision(container.db) == head_revision()
    assert is_up_to_date(container.db)
