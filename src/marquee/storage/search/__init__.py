"""Full-text search indexes over the catalog: SQLite FTS5 (embedded) and PostgreSQL (production)."""

from marquee.storage.search.base import (
    Hit,
    IndexUpdate,
    Label,
    SearchDocument,
    SearchFilters,
    SearchIndex,
    Watermark,
    normalise,
    tokens,
)

__all__ = [
    "Hit",
    "IndexUpdate",
    "Label",
    "SearchDocument",
    "SearchFilters",
    "SearchIndex",
    "Watermark",
    "normalise",
    "tokens",
]
