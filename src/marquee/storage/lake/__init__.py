"""The offline store: events in an Apache Iceberg table, read with pyiceberg and DuckDB."""

from marquee.storage.lake.base import CURRENT, Lake, PartitionStats, SnapshotInfo, TimeTravel
from marquee.storage.lake.schema import EVENT_COLUMNS, EVENTS_ARROW, envelopes_to_table

__all__ = [
    "CURRENT",
    "EVENTS_ARROW",
    "EVENT_COLUMNS",
    "Lake",
    "PartitionStats",
    "SnapshotInfo",
    "TimeTravel",
    "envelopes_to_table",
]
