"""The embedded search index: SQLite FTS5 in its own file, beside the database.

The index is derived data (rebuilt from the catalog at any time), so it lives in its own file:
the relational schema stays identical on SQLite and PostgreSQL, and the index can be dropped
without a migration. Titles are an FTS5 table with prefix indexes (``unicode61``); the
vocabulary has a ``trigram`` FTS5 table for spelling suggestions.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from marquee.storage.search.base import (
    Hit,
    IndexUpdate,
    Label,
    SearchFilters,
    Watermark,
    normalise,
    trigrams,
    vocabulary,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    title_id INTEGER PRIMARY KEY, genre_slugs TEXT NOT NULL, kind TEXT NOT NULL,
    year INTEGER, maturity_level INTEGER NOT NULL, popularity REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_maturity ON documents (maturity_level);
CREATE INDEX IF NOT EXISTS documents_popularity ON documents (popularity DESC, title_id);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    name, people, genres, tags, tokenize = 'unicode61', prefix = '1 2 3'
);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT UNIQUE NOT NULL,
                                  df INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS terms_fts USING fts5(term, tokenize = 'trigram');
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, text TEXT NOT NULL,
    words TEXT NOT NULL, weight REAL NOT NULL, maturity_level INTEGER NOT NULL,
    UNIQUE (kind, ref)
);
CREATE VIRTUAL TABLE IF NOT EXISTS labels_fts USING fts5(
    words, tokenize = 'unicode61', prefix = '1 2 3'
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Column weights of bm25: a word in the name counts most, then people, then genres and tags.
_BM25 = "bm25(documents_fts, 8.0, 3.0, 2.0, 1.0)"
_CHUNK = 500
BROAD_MATCHES = 1500  # above this many matches a query is ranked without bm25
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM documents_fts WHERE documents_fts MATCH ? LIMIT ?)"
_RANKED = (
    f"SELECT d.title_id, -{_BM25}, d.popularity, d.genre_slugs FROM documents_fts"
    " JOIN documents d ON d.title_id = documents_fts.rowid"
    f" WHERE documents_fts MATCH ? {{where}} ORDER BY {_BM25} LIMIT ?"
)
# Broad queries, best first: "the name matches", then popularity. Walking the popularity index
# and probing the match set stops after ``limit`` rows; sorting every match did not (8 ms for a
# genre word over 60,000 titles, 40 ms for "the"). A small match set is faster sorted.
_BY_POPULARITY = (
    "SELECT d.title_id, {relevance}, d.popularity, d.genre_slugs FROM documents d {index}"
    " WHERE d.title_id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)"
    " {where} ORDER BY d.popularity DESC, d.title_id LIMIT ?"
)
_POPULARITY_INDEX = "INDEXED BY documents_popularity"
_TABLES = ("documents", "documents_fts", "terms", "terms_fts", "labels", "labels_fts", "state")


def fts_query(words: Sequence[str], *, prefix_last: bool = True) -> str:
    """``["star", "wa"]`` → ``"star" "wa"*``: every word, the last one as a prefix."""
    quoted = [f'"{word}"' for word in words]
    if prefix_last and quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


class SqliteSearchIndex:
    """One SQLite file; a lock serialises the connection between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def watermark(self) -> Watermark | None:
        with self._lock:
            rows = dict(self._conn.execute("SELECT key, value FROM state").fetchall())
        if "count" not in rows:
            return None
        stamp = rows.get("updated_at") or None
        return Watermark(datetime.fromisoformat(stamp) if stamp else None, int(rows["count"]))

    def indexed_ids(self) -> set[int]:
        with self._lock:
            return {row[0] for row in self._conn.execute("SELECT title_id FROM documents")}

    def apply(self, update: IndexUpdate) -> None:
        with self._transaction() as conn:
            if update.reset:
                for table in _TABLES:
                    conn.execute(f"DELETE FROM {table}")
            stale = {doc.title_id for doc in update.documents} | set(update.removed)
            for chunk in _chunks(sorted(stale)):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM documents WHERE title_id IN ({marks})", chunk)
                conn.execute(f"DELETE FROM documents_fts WHERE rowid IN ({marks})", chunk)
            conn.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.title_id,
                        " ".join(d.genre_slugs),
                        d.kind,
                        d.year,
                        d.maturity_level,
                        d.popularity,
                    )
                    for d in update.documents
                ],
            )
            conn.executemany(
                "INSERT INTO documents_fts (rowid, name, people, genres, tags)"
                " VALUES (?, ?, ?, ?, ?)",
                [(d.title_id, d.name, d.people, d.genres, d.tags) for d in update.documents],
            )
            self._add_terms(conn, vocabulary(update.documents))
            gone = [("title", str(title_id)) for title_id in update.removed]
            self._upsert_labels(conn, update.labels, gone)
            mark = update.watermark
            stamp = mark.updated_at.isoformat() if mark.updated_at else ""
            conn.executemany(
                "INSERT OR REPLACE INTO state VALUES (?, ?)",
                [("updated_at", stamp), ("count", str(mark.count))],
            )

    def match(self, words: Sequence[str], filters: SearchFilters, *, limit: int) -> list[Hit]:
        if not words:
            return []
        where, params = _filter_sql(filters)
        query = fts_query(words)
        with self._lock:
            count = self._count(query)
            if count == 0:
                return []  # a misspelling, usually: spelling correction comes next
            if count > BROAD_MATCHES:
                # bm25 costs microseconds a row: a broad query (a genre, "the") is ordered by
                # "the name matches" then popularity instead, which is what such a query wants.
                rows = self._broad(query, where, params, limit)
            else:
                sql = _RANKED.format(where=where)
                rows = self._conn.execute(sql, (query, *params, limit)).fetchall()
        return [
            Hit(tid, float(score), float(pop), tuple(slugs.split()))
            for tid, score, pop, slugs in rows
        ]

    def nearest_terms(self, word: str, *, limit: int) -> list[tuple[str, int]]:
        grams = trigrams(word)
        if not grams:
            return []
        query = " OR ".join(f'"{gram}"' for gram in grams)
        sql = (
            "SELECT t.term, t.df FROM terms_fts JOIN terms t ON t.id = terms_fts.rowid"
            " WHERE terms_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        with self._lock:
            return [(term, int(df)) for term, df in self._conn.execute(sql, (query, limit))]

    def suggest(self, words: Sequence[str], *, max_maturity_level: int, limit: int) -> list[Label]:
        if not words:
            return []
        sql = (
            "SELECT l.kind, l.ref, l.text, l.weight, l.maturity_level FROM labels_fts"
            " JOIN labels l ON l.id = labels_fts.rowid"
            " WHERE labels_fts MATCH ? AND l.maturity_level <= ?"
            " ORDER BY l.weight DESC, l.id LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, (fts_query(words), max_maturity_level, limit))
            return [Label(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- internals -------------------------------------------------------------------------

    def _count(self, query: str) -> int:
        """Matches of ``query``, counted up to ``BROAD_MATCHES + 1``."""
        (count,) = self._conn.execute(_COUNT, (query, BROAD_MATCHES + 1)).fetchone()
        return int(count)

    def _broad(
        self, query: str, where: str, params: list[object], limit: int
    ) -> list[tuple[int, float, float, str]]:
        in_name = f"name : ({query})"
        index = _POPULARITY_INDEX if self._count(in_name) > BROAD_MATCHES else ""
        sql = _BY_POPULARITY.format(relevance="2.0", index=index, where=where)
        rows: list[tuple[int, float, float, str]] = self._conn.execute(
            sql, (in_name, *params, limit)
        ).fetchall()
        if len(rows) < limit:
            seen = {row[0] for row in rows}
            sql = _BY_POPULARITY.format(relevance="1.0", index=_POPULARITY_INDEX, where=where)
            more = self._conn.execute(sql, (query, *params, limit)).fetchall()
            rows += [row for row in more if row[0] not in seen][: limit - len(rows)]
        return rows

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @staticmethod
    def _add_terms(conn: sqlite3.Connection, counts: dict[str, int]) -> None:
        if not counts:
            return
        conn.executemany(
            "INSERT INTO terms (term, df) VALUES (?, ?)"
            " ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            sorted(counts.items()),
        )
        # Only brand-new terms need a trigram entry; existing ones already have theirs.
        conn.execute(
            "INSERT INTO terms_fts (rowid, term) SELECT id, term FROM terms"
            " WHERE id > coalesce((SELECT max(rowid) FROM terms_fts), 0)"
        )

    @staticmethod
    def _upsert_labels(
        conn: sqlite3.Connection, labels: Sequence[Label], gone: Sequence[tuple[str, str]]
    ) -> None:
        keys = [(lab.kind, lab.ref) for lab in labels] + list(gone)
        conn.executemany(
            "DELETE FROM labels_fts WHERE rowid IN"
            " (SELECT id FROM labels WHERE kind = ? AND ref = ?)",
            keys,
        )
        conn.executemany("DELETE FROM labels WHERE kind = ? AND ref = ?", keys)
        (top,) = conn.execute("SELECT coalesce(max(id), 0) FROM labels").fetchone()
        conn.executemany(
            "INSERT INTO labels (kind, ref, text, words, weight, maturity_level)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (lab.kind, lab.ref, lab.text, normalise(lab.text), lab.weight, lab.maturity_level)
                for lab in labels
            ],
        )
        # New rows take ids above the old maximum (INTEGER PRIMARY KEY picks max + 1).
        conn.execute(
            "INSERT INTO labels_fts (rowid, words) SELECT id, words FROM labels WHERE id > ?",
            (top,),
        )


def _filter_sql(filters: SearchFilters) -> tuple[str, list[object]]:
    clauses = ["AND d.maturity_level <= ?"]
    params: list[object] = [filters.max_maturity_level]
    if filters.kind is not None:
        clauses.append("AND d.kind = ?")
        params.append(filters.kind)
    if filters.year_from is not None:
        clauses.append("AND d.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("AND d.year <= ?")
        params.append(filters.year_to)
    if filters.genre is not None:
        clauses.append("AND instr(' ' || d.genre_slugs || ' ', ?) > 0")
        params.append(f" {filters.genre} ")
    return " ".join(clauses), params


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
