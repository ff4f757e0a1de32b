"""The relational store: SQLAlchemy tables, the Database handle, migrations."""

from marquee.storage.db.database import Database

__all__ = ["Database"]
