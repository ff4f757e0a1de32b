"""The lake interface: the append-only, day-partitioned ``events`` table and its maintenance."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True)
class SnapshotInfo:
    """One committed version of the table, for time travel."""

    snapshot_id: int
    committed_at: datetime
    operation: str


@dataclass(frozen=True)
class TimeTravel:
    """Read the table as it was: at ``snapshot_id``, or at the last commit at or before ``as_of``.

    Both None reads the current version.
    """

    snapshot_id: int | None = None
    as_of: datetime | None = None


CURRENT = TimeTravel()


@dataclass(frozen=True)
class PartitionStats:
    """One day partition of the current version: its data files and rows."""

    day: date
    files: int
    rows: int


class Lake(Protocol):
    """Events in one table, deduplicated by ``event_id``; every change is a new snapshot."""

    def append(self, rows: pa.Table) -> int:
        """Add rows (``EVENTS_ARROW`` columns, maybe more) whose ``event_id`` the table lacks.

        A column the table does not have yet is added first (schema evolution). Returns how
        many rows were added: appending the same rows again adds 0.
        """
        ...

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
        """Rows with client time in ``[since, until)``, of ``profile_ids`` and of event
        ``types`` when given (filters pushed down to the files)."""
        ...

    def query(self, sql: str, *, version: TimeTravel = CURRENT) -> pa.Table:
        """Run DuckDB SQL over the table, visible as ``events``."""
        ...

    def delete_profiles(self, profile_ids: Collection[int]) -> int:
        """Erase every row of these profiles, from older snapshots and files too; returns how
        many rows the current version held."""
        ...

    def compact(self, *, day: date | None = None, min_files: int = 2) -> int:
        """Rewrite each day partition (or ``day``) of ``min_files`` or more files as one file;
        returns how many partitions were rewritten."""
        ...

    def add_column(self, name: str, arrow_type: pa.DataType) -> None:
        """Add an optional column (idempotent)."""
        ...

    def partitions(self) -> list[PartitionStats]:
        """The current version's day partitions, oldest first."""
        ...

    def snapshots(self) -> list[SnapshotInfo]:
        """Every retained version, oldest first."""
        ...

    def close(self) -> None: ...
