"""The production search index: PostgreSQL full text plus pg_trgm, in the ``search`` schema.

Migration 0005 creates the schema (PostgreSQL only): titles with a weighted ``tsvector`` and a
GIN index, a vocabulary with a trigram GIN index for spelling suggestions, and labels for
autocomplete. A schema of its own keeps the derived index apart from the modelled tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from marquee.storage.db import Database
from marquee.storage.search.base import (
    Hit,
    IndexUpdate,
    Label,
    SearchDocument,
    SearchFilters,
    Watermark,
    normalise,
    vocabulary,
)

_RANK = "ts_rank(d.body, q.query, 1)"  # 1: divide by 1 + log(length), as bm25 does roughly
BROAD_MATCHES = 1500  # above this many matches a query is ranked without ts_rank
_CHUNK = 5000  # rows per INSERT: keeps each statement short on a big rebuild
_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM search.documents d"
    " WHERE d.{column} @@ to_tsquery('simple', :q) LIMIT :broad) AS x"
)
# Matches, and for a broad query its name matches too, in one round trip: the CASE runs the
# second count only when the first reached :broad.
_COUNTS = (
    f"SELECT b.n, CASE WHEN b.n >= :broad THEN ({_COUNT.format(column='name_words')}) ELSE 0 END"
    f" FROM ({_COUNT.format(column='body')}) AS b(n)"
)
_RANKED = (
    f"SELECT d.title_id, {_RANK}, d.popularity, d.genre_slugs"
    " FROM search.documents d, to_tsquery('simple', :q) AS q(query)"
    f" WHERE d.body @@ q.query {{where}} ORDER BY {_RANK} DESC, d.title_id LIMIT :limit"
)
# Broad queries, best first: "the name matches", then popularity, each read separately. Walking
# the popularity index (migration 0007) and testing each title stops at the pool; sorting every
# match did not ("the": 34 ms). A small match set is faster sorted, so name matches are counted
# first (``name_words``' GIN index answers that; a weight-A test on ``body`` read every title with
# the word) and read sorted when few: the planner cannot be left to choose, its estimate for a
# prefix ("drama:*", never in a name) made it walk past all 60,000 titles. OFFSET 0 fences the
# sort from the index walk.
_BY_POPULARITY = (
    "SELECT d.title_id, {relevance}, d.popularity, d.genre_slugs FROM search.documents d"
    " WHERE d.{column} @@ to_tsquery('simple', :q) {where}"
    " ORDER BY d.popularity DESC, d.title_id LIMIT :limit"
)
_SORTED = (
    "SELECT title_id, {relevance}, popularity, genre_slugs FROM (SELECT d.title_id,"
    " d.popularity, d.genre_slugs FROM search.documents d"
    " WHERE d.{column} @@ to_tsquery('simple', :q) {where} OFFSET 0) AS m"
    " ORDER BY popularity DESC, title_id LIMIT :limit"
)


def ts_query(words: Sequence[str], *, prefix_last: bool = True, weight: str = "") -> str:
    """``["star", "wa"]`` → ``star & wa:*`` (words are normalised: only ``[0-9a-z]``);
    with ``weight="A"`` only name words match: ``star:A & wa:*A``."""
    parts = [f"{word}:{weight}" if weight else word for word in words]
    if prefix_last and parts:
        parts[-1] = f"{words[-1]}:*{weight}"
    return " & ".join(parts)


class PostgresSearchIndex:
    """Reads and writes the ``search`` schema through the application's engine."""

    def __init__(self, db: Database) -> None:
        self._engine = db.engine

    def watermark(self) -> Watermark | None:
        with self._engine.connect() as conn:
            rows: dict[str, str] = dict(
                conn.execute(text("SELECT key, value FROM search.state")).all()
            )
        if "count" not in rows:
            return None
        stamp = rows.get("updated_at") or None
        return Watermark(datetime.fromisoformat(stamp) if stamp else None, int(rows["count"]))

    def indexed_ids(self) -> set[int]:
        with self._engine.connect() as conn:
            return set(conn.execute(text("SELECT title_id FROM search.documents")).scalars())

    def apply(self, update: IndexUpdate) -> None:
        with self._engine.begin() as conn:
            if update.reset:
                # A rebuild is a batch job: the request deadline (statement_timeout) does not
                # apply to it.
                conn.execute(text("SET LOCAL statement_timeout = 0"))
                conn.execute(
                    text("TRUNCATE search.documents, search.terms, search.labels, search.state")
                )
            stale = sorted({doc.title_id for doc in update.documents} | set(update.removed))
            if stale:
                conn.execute(
                    text(
                        "DELETE FROM search.documents WHERE title_id = ANY(CAST(:ids AS bigint[]))"
                    ),
                    {"ids": stale},
                )
            for start in range(0, len(update.documents), _CHUNK):
                conn.execute(
                    text(
                        "INSERT INTO search.documents (title_id, name, people, genres, tags,"
                        " genre_slugs, kind, year, maturity_level, popularity) VALUES (:title_id,"
                        " :name, :people, :genres, :tags, :genre_slugs, :kind, :year,"
                        " :maturity_level, :popularity)"
                    ),
                    [_document_row(d) for d in update.documents[start : start + _CHUNK]],
                )
            _add_terms(conn, vocabulary(update.documents))
            gone = [str(title_id) for title_id in update.removed]
            _upsert_labels(conn, update.labels, gone)
            mark = update.watermark
            conn.execute(
                text(
                    "INSERT INTO search.state (key, value) VALUES ('updated_at', :stamp),"
                    " ('count', :count) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {
                    "stamp": mark.updated_at.isoformat() if mark.updated_at else "",
                    "count": str(mark.count),
                },
            )
            if update.reset:
                # Fresh statistics, or the planner guesses at a table it has never seen full.
                conn.execute(text("ANALYZE search.documents, search.terms, search.labels"))

    def match(self, words: Sequence[str], filters: SearchFilters, *, limit: int) -> list[Hit]:
        if not words:
            return []
        where, params = _filter_sql(filters)
        params.update(q=ts_query(words), limit=limit, broad=BROAD_MATCHES + 1)
        with self._engine.connect() as conn:
            count, named = conn.execute(text(_COUNTS), params).one()
            if count == 0:
                return []  # a misspelling, usually: spelling correction comes next
            if count > BROAD_MATCHES:
                # Ranking reads every matching tsvector: a broad query is ordered by "the name
                # matches" and then popularity instead.
                rows = _broad(conn, where, params, limit, named=int(named))
            else:
                rows = list(conn.execute(text(_RANKED.format(where=where)), params).all())
        return [Hit(tid, float(r), float(p), tuple(s.split())) for tid, r, p, s in rows]

    def nearest_terms(self, word: str, *, limit: int) -> list[tuple[str, int]]:
        sql = text(
            "SELECT term, df FROM search.terms WHERE term % :w ORDER BY term <-> :w, term"
            " LIMIT :limit"
        )
        with self._engine.connect() as conn:
            return [(t, int(df)) for t, df in conn.execute(sql, {"w": word, "limit": limit})]

    def suggest(self, words: Sequence[str], *, max_maturity_level: int, limit: int) -> list[Label]:
        if not words:
            return []
        sql = text(
            "SELECT kind, ref, text, weight, maturity_level FROM search.labels"
            " WHERE to_tsvector('simple', words) @@ to_tsquery('simple', :q)"
            " AND maturity_level <= :level ORDER BY weight DESC, kind, ref LIMIT :limit"
        )
        params = {"q": ts_query(words), "level": max_maturity_level, "limit": limit}
        with self._engine.connect() as conn:
            return [Label(*row) for row in conn.execute(sql, params)]

    def close(self) -> None:
        """The engine belongs to the Database, which closes it."""


_Row = Sequence[Any]  # title_id, relevance, popularity, genre_slugs


def _broad(
    conn: Connection, where: str, params: dict[str, object], limit: int, *, named: int
) -> list[_Row]:
    """Name matches (``named`` of them, counted up to ``BROAD_MATCHES + 1``) by popularity, then
    every match by popularity, up to ``limit``."""
    rows: list[_Row] = []
    if named:
        template = _BY_POPULARITY if named > BROAD_MATCHES else _SORTED
        sql = text(template.format(relevance="2.0", column="name_words", where=where))
        rows = list(conn.execute(sql, params).all())
    if len(rows) < limit:
        seen = {row[0] for row in rows}
        sql = text(_BY_POPULARITY.format(relevance="1.0", column="body", where=where))
        more = [row for row in conn.execute(sql, params) if row[0] not in seen]
        rows += more[: limit - len(rows)]
    return rows


def _document_row(doc: SearchDocument) -> dict[str, object]:
    return {
        "title_id": doc.title_id,
        "name": doc.name,
        "people": doc.people,
        "genres": doc.genres,
        "tags": doc.tags,
        "genre_slugs": " ".join(doc.genre_slugs),
        "kind": doc.kind,
        "year": doc.year,
        "maturity_level": doc.maturity_level,
        "popularity": doc.popularity,
    }


def _add_terms(conn: Connection, counts: dict[str, int]) -> None:
    if not counts:
        return
    conn.execute(
        text(
            "INSERT INTO search.terms (term, df)"
            " SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:dfs AS integer[]))"
            " ON CONFLICT (term) DO UPDATE SET df = search.terms.df + excluded.df"
        ),
        {"terms": list(counts), "dfs": list(counts.values())},
    )


def _upsert_labels(conn: Connection, labels: Sequence[Label], gone: Sequence[str]) -> None:
    if gone:
        conn.execute(
            text(
                "DELETE FROM search.labels WHERE kind = 'title'"
                " AND ref = ANY(CAST(:refs AS text[]))"
            ),
            {"refs": list(gone)},
        )
    for start in range(0, len(labels), _CHUNK):
        _insert_labels(conn, labels[start : start + _CHUNK])


def _insert_labels(conn: Connection, labels: Sequence[Label]) -> None:
    conn.execute(
        text(
            "INSERT INTO search.labels (kind, ref, text, words, weight, maturity_level)"
            " SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:refs AS text[]),"
            " CAST(:texts AS text[]), CAST(:words AS text[]), CAST(:weights AS real[]),"
            " CAST(:levels AS integer[]))"
            " ON CONFLICT (kind, ref) DO UPDATE SET text = excluded.text,"
            " words = excluded.words, weight = excluded.weight,"
            " maturity_level = excluded.maturity_level"
        ),
        {
            "kinds": [lab.kind for lab in labels],
            "refs": [lab.ref for lab in labels],
            "texts": [lab.text for lab in labels],
            "words": [normalise(lab.text) for lab in labels],
            "weights": [lab.weight for lab in labels],
            "levels": [lab.maturity_level for lab in labels],
        },
    )


def _filter_sql(filters: SearchFilters) -> tuple[str, dict[str, object]]:
    clauses = ["AND d.maturity_level <= :level"]
    params: dict[str, object] = {"level": filters.max_maturity_level}
    if filters.kind is not None:
        clauses.append("AND d.kind = :kind")
        params["kind"] = filters.kind
    if filters.year_from is not None:
        clauses.append("AND d.year >= :year_from")
        params["year_from"] = filters.year_from
    if filters.year_to is not None:
        clauses.append("AND d.year <= :year_to")
        params["year_to"] = filters.year_to
    if filters.genre is not None:
        clauses.append("AND strpos(' ' || d.genre_slugs || ' ', :genre) > 0")
        params["genre"] = f" {filters.genre} "
    return " ".join(clauses), params
