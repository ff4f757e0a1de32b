"""Broad queries (more matches than ``BROAD_MATCHES``) on both index backends: titles whose name
matches come first, each group by popularity, filters apply, and the pool stops at ``limit``.

The threshold is lowered so a handful of documents is "broad"; both branches of the name-match
read (few name matches: sorted; many: read in popularity order) are exercised.
"""

from __future__ import annotations

import pytest

from marquee.bootstrap import Container, open_search_index
from marquee.storage.search import IndexUpdate, SearchDocument, SearchFilters, Watermark
from marquee.storage.search import postgres as pg_index
from marquee.storage.search import sqlite as sqlite_index


def _doc(
    title_id: int, name: str, *, tags: str, popularity: float, kind: str = "movie"
) -> SearchDocument:
    return SearchDocument(
        title_id=title_id,
        name=name,
        people="",
        genres="drama",
        tags=tags,
        genre_slugs=("drama",),
        kind=kind,
        year=2000,
        maturity_level=0,
        popularity=popularity,
    )


DOCS = [
    _doc(1, "night train", tags="", popularity=1.0),
    _doc(2, "night owl", tags="", popularity=5.0),
    _doc(3, "the long night", tags="", popularity=3.0, kind="series"),
    _doc(4, "harbour", tags="night", popularity=9.0),
    _doc(5, "lantern", tags="night", popularity=7.0, kind="series"),
    _doc(6, "meadow", tags="night", popularity=8.0),
    _doc(7, "meadow", tags="day", popularity=99.0),
]


@pytest.mark.parametrize("broad", [2, 5])  # 3 name matches: more than 2, fewer than 5
def test_broad_queries_put_name_matches_first_then_popularity(
    container: Container, monkeypatch: pytest.MonkeyPatch, broad: int
) -> None:
    monkeypatch.setattr(pg_index, "BROAD_MATCHES", broad)
    monkeypatch.setattr(sqlite_index, "BROAD_MATCHES", broad)
    index = open_search_index(container.db)
    try:
        index.apply(IndexUpdate(DOCS, (), Watermark(None, len(DOCS)), reset=True))
        hits = index.match(["night"], SearchFilters(), limit=10)
        assert [h.title_id for h in hits] == [2, 3, 1, 4, 6, 5]
        assert [h.relevance for h in hits[:3]] == [2.0, 2.0, 2.0]
        assert all(h.relevance < 2.0 for h in hits[3:])
        assert [h.title_id for h in index.match(["nig"], SearchFilters(), limit=4)] == [2, 3, 1, 4]
        series = index.match(["night"], SearchFilters(kind="series"), limit=10)
        assert [h.title_id for h in series] == [3, 5]
    finally:
        index.close()
