"""The lake on Apache Iceberg: pyiceberg with a SQL catalog (SQLite or PostgreSQL), a warehouse
on local disk (``file://``) or S3 (``s3://``), reads through pyiceberg scans and DuckDB."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException, NamespaceAlreadyExistsError
from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    EqualTo,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
)
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import NestedField
from sqlalchemy.exc import SQLAlchemyError

from marquee.errors import InvalidInput, Unavailable
from marquee.storage.lake.base import CURRENT, PartitionStats, SnapshotInfo, TimeTravel
from marquee.storage.lake.convert import iceberg_type, matching
from marquee.storage.lake.query import run_sql
from marquee.storage.lake.schema import EVENT_COLUMNS, PARTITION_COLUMN

T = TypeVar("T")
TABLE = "events"
COMMIT_ATTEMPTS = 8
ID_FILTER_LIMIT = 500


def events_schema() -> Schema:
    fields = [
        NestedField(i, c.name, iceberg_type(c.arrow), required=c.required)
        for i, c in enumerate(EVENT_COLUMNS, start=1)
    ]
    return Schema(*fields)


def _partition_spec(schema: Schema) -> PartitionSpec:
    source = schema.find_field(PARTITION_COLUMN).field_id
    return PartitionSpec(
        PartitionField(source, 1000, IdentityTransform(), PARTITION_COLUMN), spec_id=0
    )


def catalog_uri(url: str) -> str:
    """Our URLs name psycopg 3 as ``postgresql://``; SQLAlchemy needs the driver spelled out."""
    if url.startswith("postgresql://"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url


@contextmanager
def _reachable() -> Iterator[None]:
    """A catalog database or warehouse that cannot be reached is retryable, not a bug."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise Unavailable(f"lake unavailable: {exc}") from exc


class IcebergLake:
    """One ``{namespace}.events`` table. Writers in this process take a lock; writers in other
    processes are serialised by the catalog's compare-and-swap, retried on conflict."""

    def __init__(
        self,
        *,
        warehouse: str,
        catalog_url: str,
        catalog: str,
        namespace: str,
        properties: Mapping[str, str] | None = None,
    ) -> None:
        # Nothing is opened here: the catalog is reached on first use, so processes that never
        # touch the lake (most API requests) pay nothing for it.
        self._settings = {
            "uri": catalog_uri(catalog_url),
            "warehouse": warehouse,
            **(properties or {}),
        }
        self._name = catalog
        self._identifier = (namespace, TABLE)
        self._lock = threading.RLock()
        self._opened: SqlCatalog | None = None

    @property
    def _catalog(self) -> SqlCatalog:
        with self._lock:
            if self._opened is None:
                with _reachable():
                    self._opened = _open_catalog(self._name, self._settings, self._identifier)
            return self._opened

    def _table(self) -> Table:
        return self._catalog.load_table(self._identifier)

    def _committing(self, operation: Callable[[Table], T]) -> T:
        """Run ``operation`` on a fresh table until its commit is not beaten by another writer."""
        with self._lock, _reachable():
            for _ in range(COMMIT_ATTEMPTS - 1):
                try:
                    return operation(self._table())
                except CommitFailedException:
                    continue
            return operation(self._table())

    # -- writes ---------------------------------------------------------------------------------

    def append(self, rows: pa.Table) -> int:
        if rows.num_rows == 0:
            return 0
        rows = _first_per_event(rows)
        known = set(self.columns())
        for field in rows.schema:
            if field.name not in known:
                self.add_column(field.name, field.type)
        return self._committing(lambda table: _append_new(table, rows))

    def add_column(self, name: str, arrow_type: pa.DataType) -> None:
        def add(table: Table) -> None:
            if name in table.schema().column_names:
                return
            with table.update_schema() as update:
                update.add_column(name, iceberg_type(arrow_type))

        self._committing(add)

    def columns(self) -> list[str]:
        with _reachable():
            return list(self._table().schema().column_names)

    def delete_profiles(self, profile_ids: Collection[int]) -> int:
        ids = sorted({int(p) for p in profile_ids})
        if not ids:
            return 0
        return self._committing(lambda table: _erase(table, In(term="profile_id", literals=ids)))

    def compact(self, *, day: date | None = None, min_files: int = 2) -> int:
        with _reachable():
            days = _crowded_days(self._table(), min_files=max(min_files, 2), only=day)
        for each in days:
            self._committing(lambda table, d=each: _rewrite_day(table, d))  # type: ignore[misc]
        return len(days)

    # -- reads ----------------------------------------------------------------------------------

    def scan(
        self,
        *,
        profile_ids: Collection[int] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
        version: TimeTravel = CURRENT,
        types: Collection[str] | None = None,
    ) -> pa.Table:
        row_filter = _filter(profile_ids, since, until, types)
        with _reachable():
            table = self._table()
            snapshot_id = _snapshot_id(table, version)
            scan = table.scan(
                row_filter=row_filter,
                selected_fields=tuple(columns) if columns else ("*",),
                snapshot_id=snapshot_id,
            )
            return scan.to_arrow()

    def query(self, sql: str, *, version: TimeTravel = CURRENT) -> pa.Table:
        return run_sql(sql, self.scan(version=version))

    def partitions(self) -> list[PartitionStats]:
        with _reachable():
            table = self._table()
            if table.current_snapshot() is None:
                return []
            rows = table.inspect.partitions().to_pylist()
        stats = [
            PartitionStats(r["partition"][PARTITION_COLUMN], r["file_count"], r["record_count"])
            for r in rows
        ]
        return sorted(stats, key=lambda p: p.day)

    def snapshots(self) -> list[SnapshotInfo]:
        with _reachable():
            metadata = self._table().metadata
        return [
            SnapshotInfo(
                snapshot_id=s.snapshot_id,
                committed_at=datetime.fromtimestamp(s.timestamp_ms / 1000, UTC),
                operation=str(s.summary.operation.value) if s.summary else "",
            )
            for s in sorted(metadata.snapshots, key=lambda s: s.timestamp_ms)
        ]

    def close(self) -> None:
        with self._lock:
            if self._opened is not None:
                self._opened.engine.dispose()
                self._opened = None


def _open_catalog(name: str, settings: dict[str, str], identifier: tuple[str, str]) -> SqlCatalog:
    """Open the catalog and create the namespace and the partitioned table when missing."""
    catalog = SqlCatalog(name, **settings)
    with suppress(NamespaceAlreadyExistsError):
        catalog.create_namespace(identifier[0])
    schema = events_schema()
    catalog.create_table_if_not_exists(
        identifier, schema=schema, partition_spec=_partition_spec(schema)
    )
    return catalog


def _first_per_event(rows: pa.Table) -> pa.Table:
    """Keep the first row of each ``event_id`` within the batch itself."""
    ids = rows.column("event_id")
    if pc.count_distinct(ids).as_py() == rows.num_rows:
        return rows
    indexed = rows.append_column("_i", pa.array(range(rows.num_rows), pa.int64()))
    first = indexed.group_by("event_id", use_threads=False).aggregate([("_i", "min")])
    keep = pc.sort_indices(first.column("_i_min"))
    return rows.take(pc.take(first.column("_i_min"), keep))


def _append_new(table: Table, rows: pa.Table) -> int:
    """Append the rows whose event ids the table lacks; the check reads only their days."""
    fresh = rows
    if table.current_snapshot() is not None:
        days = pc.unique(rows.column(PARTITION_COLUMN)).to_pylist()
        where: BooleanExpression = In(term=PARTITION_COLUMN, literals=days)
        if rows.num_rows <= ID_FILTER_LIMIT:
            # Pushed into the Parquet reads; beyond a few hundred ids pyiceberg's own literal
            # handling costs more than comparing in Arrow.
            ids = rows.column("event_id").to_pylist()
            where = And(where, In(term="event_id", literals=ids))
        found = table.scan(row_filter=where, selected_fields=("event_id",)).to_arrow()
        known = pc.is_in(rows.column("event_id"), found.column("event_id"))
        fresh = rows.filter(pc.invert(known))
    if fresh.num_rows:
        table.append(matching(fresh, table.schema()))
    return int(fresh.num_rows)


def _erase(table: Table, where: BooleanExpression) -> int:
    """Row delete, then expire older snapshots and remove the files only they referenced, so the
    rows are gone for time travel too (an erasure cannot leave history readable)."""
    count = table.scan(row_filter=where, selected_fields=("event_id",)).count()
    if count == 0:
        return 0
    before = _referenced_files(table)
    with warnings.catch_warnings():
        # pyiceberg warns when a delete matches nothing; we counted first.
        warnings.simplefilter("ignore")
        table.delete(where)
    table = table.refresh()
    current = table.current_snapshot()
    if current is not None:
        table.maintenance.expire_snapshots().older_than(
            datetime.fromtimestamp(current.timestamp_ms / 1000, UTC)
        ).commit()
    for path in before - _referenced_files(table.refresh()):
        table.io.delete(path)
    return int(count)


def _referenced_files(table: Table) -> set[str]:
    """Data files, manifests and manifest lists of every retained snapshot."""
    paths: set[str] = set(table.inspect.all_data_files().column("file_path").to_pylist())
    paths.update(table.inspect.all_manifests().column("path").to_pylist())
    paths.update(s.manifest_list for s in table.metadata.snapshots if s.manifest_list)
    return paths


def _crowded_days(table: Table, *, min_files: int, only: date | None) -> list[date]:
    if table.current_snapshot() is None:
        return []
    partitions = table.inspect.partitions().to_pylist()
    return sorted(
        row["partition"][PARTITION_COLUMN]
        for row in partitions
        if row["file_count"] >= min_files
        and (only is None or row["partition"][PARTITION_COLUMN] == only)
    )


def _rewrite_day(table: Table, day: date) -> None:
    """Replace a day's files by one file holding the same rows, in one atomic commit."""
    where = EqualTo(term=PARTITION_COLUMN, value=day.isoformat())
    rows = table.scan(row_filter=where).to_arrow()
    with table.transaction() as tx:
        tx.overwrite(matching(rows, table.schema()), overwrite_filter=where)


def _filter(
    profile_ids: Collection[int] | None,
    since: datetime | None,
    until: datetime | None,
    types: Collection[str] | None = None,
) -> BooleanExpression:
    parts: list[BooleanExpression] = []
    if profile_ids is not None:
        parts.append(In(term="profile_id", literals=sorted({int(p) for p in profile_ids}) or [0]))
    if types is not None:
        parts.append(In(term="type", literals=sorted(set(types)) or [""]))
    for bound, op in ((since, GreaterThanOrEqual), (until, LessThan)):
        if bound is None:
            continue
        if bound.tzinfo is None:
            raise InvalidInput.on("since" if op is GreaterThanOrEqual else "until", "needs a zone")
        parts.append(op(term="client_time", value=bound.astimezone(UTC).isoformat()))
    # The partition column prunes whole files before the timestamp filter reads any.
    if since is not None:
        parts.append(
            GreaterThanOrEqual(
                term=PARTITION_COLUMN, value=since.astimezone(UTC).date().isoformat()
            )
        )
    if until is not None:
        # A partition can hold rows before ``until`` even when it starts at ``until``'s day.
        parts.append(_day_at_most(until))
    expression: BooleanExpression = AlwaysTrue()
    for part in parts:
        expression = And(expression, part)
    return expression


def _day_at_most(until: datetime) -> BooleanExpression:
    return LessThanOrEqual(term=PARTITION_COLUMN, value=until.astimezone(UTC).date().isoformat())


def _snapshot_id(table: Table, version: TimeTravel) -> int | None:
    if version.snapshot_id is not None:
        if table.snapshot_by_id(version.snapshot_id) is None:
            raise InvalidInput.on("snapshot_id", f"no snapshot {version.snapshot_id}")
        return version.snapshot_id
    if version.as_of is not None:
        snapshot = table.snapshot_as_of_timestamp(int(version.as_of.timestamp() * 1000))
        if snapshot is None:
            raise InvalidInput.on("as_of", "before the table's first snapshot")
        return snapshot.snapshot_id
    return None
