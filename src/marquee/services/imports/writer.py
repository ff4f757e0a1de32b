"""Bulk insert-or-ignore into the catalog, accounts and interactions, counting real inserts.

Every importer writes through ``BulkWriter``: rows go in batches (one transaction each), rows
that already exist are skipped by the database (``ON CONFLICT DO NOTHING``), and the report
counts only rows really inserted, so re-running an import reports zeros.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from marquee.storage.db import Database
from marquee.storage.db.tables import (
    Account,
    Episode,
    Genre,
    Interaction,
    Profile,
    Season,
    Title,
    TitleAvailability,
    TitleGenre,
    TitleTag,
)

ProgressFn = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``; ``total`` is None when unknown."""

Row = dict[str, Any]
T = TypeVar("T")
BATCH_SIZE = 5_000


def no_progress(_stage: str, _done: int, _total: int | None) -> None:
    """The default progress callback: report nothing."""


@dataclass
class ImportReport:
    """Rows really inserted, per kind."""

    accounts: int = 0
    profiles: int = 0
    titles: int = 0
    genres: int = 0
    tags: int = 0
    interactions: int = 0
    seasons: int = 0
    episodes: int = 0
    events: int = 0  # behaviour events newly in the event log (see imports/events.py)

    def counts(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        """Database rows added (events go to the event log and are counted apart)."""
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "events")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _column_defaults(table: Table, given: set[str]) -> dict[str, Callable[[], Any]]:
    """The model's Python-side defaults for columns the rows leave out (COPY skips them)."""
    makers: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or not hasattr(default, "arg"):
            continue
        makers[column.name] = _maker(default.arg)
    return makers


def _maker(arg: Any) -> Callable[[], Any]:
    # SQLAlchemy wraps callable defaults to take an execution context, which they ignore here.
    if callable(arg):
        return lambda: arg(None)
    return lambda: arg


def _copy_insert(session: Session, table: Table, rows: Sequence[Row]) -> int:
    """PostgreSQL: COPY into a staging table, then one ``INSERT … SELECT … ON CONFLICT DO NOTHING``.

    Its rowcount is exact, and COPY is several times faster than multi-row VALUES through psycopg.
    """
    from psycopg import sql
    from psycopg.types.json import Jsonb

    given = list(rows[0])
    defaults = _column_defaults(table, set(given))
    columns = [*given, *defaults]
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    target = sql.Identifier(table.name)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS _marquee_import"))
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE _marquee_import ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(cols, target)
        )
        with cur.copy(sql.SQL("COPY _marquee_import ({}) FROM STDIN").format(cols)) as copy:
            for row in rows:
                values = [*(row[c] for c in given), *(make() for make in defaults.values())]
                copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in values])
        cur.execute(
            sql.SQL(
                "INSERT INTO {} ({}) SELECT {} FROM _marquee_import ON CONFLICT DO NOTHING"
            ).format(target, cols, cols)
        )
        return int(cur.rowcount)


def genre_slug(name: str) -> str:
    """``"Children's"`` → ``"childrens"``, ``"Sci-Fi"`` → ``"sci-fi"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")[:64]


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class BulkWriter:
    """Insert-or-ignore writer over one database; ``report`` accumulates what was added."""

    def __init__(
        self,
        db: Database,
        *,
        now: datetime,
        progress: ProgressFn = no_progress,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._db = db
        self._now = now
        self._progress = progress
        self._batch_size = batch_size
        self.report = ImportReport()
        self._done: dict[str, int] = {}

    # -- the primitive ------------------------------------------------------------------------

    def _insert(self, session: Session, model: type[Any], rows: Sequence[Row]) -> int:
        """Insert ``rows``, skipping conflicts; returns how many were inserted."""
        if not rows:
            return 0
        table = _table(model)
        if self._db.dialect == "postgresql":
            return _copy_insert(session, table, rows)
        key = next(iter(table.primary_key.columns))
        stmt = sqlite.insert(table).on_conflict_do_nothing().returning(key)
        return len(session.execute(stmt, list(rows)).all())

    def _write(self, stage: str, model: type[Any], rows: Iterable[Row], total: int | None) -> int:
        # ``done`` is cumulative per stage, so a stage written in several calls counts up.
        added = 0
        self._progress(stage, self._done.get(stage, 0), total)
        for chunk in batched(rows, self._batch_size):
            with self._db.session() as session:
                added += self._insert(session, model, chunk)
            self._done[stage] = self._done.get(stage, 0) + len(chunk)
            self._progress(stage, self._done[stage], total)
        return added

    def _ids_by_ref(self, model: Any, refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        with self._db.session() as session:
            for chunk in batched(refs, self._batch_size):
                query = select(model.external_ref, model.id).where(model.external_ref.in_(chunk))
                found.update(session.execute(query).all())
        return found

    # -- per kind -----------------------------------------------------------------------------

    def genres(self, names: Iterable[str]) -> dict[str, int]:
        """Ensure genres by name (matched on their slug); returns name → id."""
        by_slug = {genre_slug(name): name for name in names}
        rows = [{"slug": slug, "name": name} for slug, name in by_slug.items()]
        self.report.genres += self._write("genres", Genre, rows, len(rows))
        with self._db.session() as session:
            ids = dict(session.execute(select(Genre.slug, Genre.id)).all())
        return {name: ids[slug] for slug, name in by_slug.items()}

    def titles(self, rows: Sequence[Row]) -> dict[str, int]:
        """Ensure titles (each row has an ``external_ref``); returns external_ref → id."""
        stamped = [{**row, "created_at": self._now, "updated_at": self._now} for row in rows]
        self.report.titles += self._write("titles", Title, stamped, len(rows))
        return self._ids_by_ref(Title, [row["external_ref"] for row in rows])

    def title_genres(self, pairs: Iterable[tuple[int, int]]) -> None:
        rows = [{"title_id": t, "genre_id": g} for t, g in pairs]
        self._write("title genres", TitleGenre, rows, len(rows))

    def title_tags(self, weights: dict[tuple[int, str], int]) -> None:
        """Tags as ``(title_id, tag) → weight``."""
        rows = [{"title_id": t, "tag": tag, "weight": w} for (t, tag), w in weights.items()]
        self.report.tags += self._write("tags", TitleTag, rows, len(rows))

    def availability(self, rows: Sequence[Row]) -> None:
        self._write("availability", TitleAvailability, rows, len(rows))

    def accounts(self, rows: Sequence[Row], *, total: int | None = None) -> dict[str, int]:
        """Ensure accounts (rows carry ``external_ref`` and ``email``); returns ref → id."""
        stamped = [{**row, "created_at": self._now} for row in rows]
        self.report.accounts += self._write("accounts", Account, stamped, total)
        return self._ids_by_ref(Account, [row["external_ref"] for row in rows])

    def profiles(self, rows: Sequence[Row], *, total: int | None = None) -> dict[str, int]:
        """Ensure profiles (rows carry ``account_id`` and ``external_ref``); returns ref → id."""
        stamped = [{**row, "created_at": self._now} for row in rows]
        self.report.profiles += self._write("profiles", Profile, stamped, total)
        return self._ids_by_ref(Profile, [row["external_ref"] for row in rows])

    def seasons(self, rows: Sequence[Row]) -> dict[tuple[int, int], int]:
        """Ensure seasons; returns ``(title_id, number)`` → id."""
        self.report.seasons += self._write("seasons", Season, rows, len(rows))
        title_ids = sorted({row["title_id"] for row in rows})
        found: dict[tuple[int, int], int] = {}
        with self._db.session() as session:
            for chunk in batched(title_ids, self._batch_size):
                query = select(Season.title_id, Season.number, Season.id).where(
                    Season.title_id.in_(chunk)
                )
                found.update({(t, n): id_ for t, n, id_ in session.execute(query)})
        return found

    def episodes(self, rows: Sequence[Row]) -> None:
        self.report.episodes += self._write("episodes", Episode, rows, len(rows))

    def interactions(self, rows: Iterable[Row], *, total: int | None = None) -> None:
        """Stream interactions (profile_id, title_id, kind, value, occurred_at, source)."""
        self.report.interactions += self._write("interactions", Interaction, rows, total)
