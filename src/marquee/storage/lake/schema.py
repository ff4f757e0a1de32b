"""The flat ``events`` table of the lake: one row per event, its Arrow and Iceberg schemas.

This module is the single source of truth for the lake's columns; ``features`` builds its frames
with ``EVENTS_ARROW`` and the archiver converts stored envelopes with ``envelopes_to_table``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    """A column of the ``events`` table; ``required`` columns are never null."""

    name: str
    arrow: pa.DataType
    required: bool = False


# Order is the table's column order; new envelope fields are appended (schema evolution).
EVENT_COLUMNS: tuple[Column, ...] = (
    Column("event_id", pa.string(), required=True),
    Column("type", pa.string(), required=True),
    Column("profile_id", pa.int64(), required=True),
    Column("session_id", pa.string(), required=True),
    Column("title_id", pa.int64()),
    Column("episode_id", pa.int64()),
    Column("position_s", pa.float64()),
    Column("duration_s", pa.float64()),
    Column("device", pa.string()),
    Column("country", pa.string()),
    Column("client_time", TIMESTAMP, required=True),
    Column("server_time", TIMESTAMP, required=True),
    Column("value", pa.float64()),
    Column("row", pa.string()),
    Column("position", pa.int32()),
    Column("query", pa.string()),
    Column("results", pa.int32()),
    Column("from_s", pa.float64()),
    Column("to_s", pa.float64()),
    Column("experiments", pa.string(), required=True),  # JSON object: experiment → variant
    Column("app_version", pa.string()),
    Column("context", pa.string(), required=True),  # JSON object
    Column("day", pa.date32(), required=True),  # UTC date of client_time: the partition
)
PARTITION_COLUMN = "day"
EVENTS_ARROW = pa.schema(
    [pa.field(c.name, c.arrow, nullable=not c.required) for c in EVENT_COLUMNS]
)
# Envelope keys that are not copied as they are.
_NESTED = frozenset({"item", "experiments", "context", "schema_version"})
_DERIVED = frozenset({"title_id", "episode_id", "client_time", "server_time", "experiments"})
_DERIVED |= {"context", "day"}
_COPIED = tuple(c.name for c in EVENT_COLUMNS if c.name not in _DERIVED)
_KNOWN = frozenset(c.name for c in EVENT_COLUMNS) | _NESTED
_EMPTY: Mapping[str, Any] = {}


def event_day(client_time: datetime) -> date:
    """The partition of an event: the UTC calendar day of its client (event) time."""
    return client_time.astimezone(UTC).date()


def _json(value: Any) -> str:
    # Most envelopes carry no experiments and no context: skip the encoder for those.
    return json.dumps(value, sort_keys=True, default=str) if value else "{}"


def _timestamps(values: list[Any]) -> pa.Array:
    """ISO 8601 strings (stored envelopes) or aware datetimes → UTC microseconds."""
    return pa.array(values).cast(TIMESTAMP)


def envelopes_to_table(envelopes: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Stored envelopes (``Event.to_json`` parsed, or ``model_dump``) → an ``events`` table.

    Column by column, vectorised where Arrow can be. Keys the table does not know yet become
    extra columns, so the lake can evolve its schema for them.
    """
    rows = list(envelopes)
    columns: dict[str, pa.Array] = {
        name: pa.array([r.get(name) for r in rows], type=EVENTS_ARROW.field(name).type)
        for name in _COPIED
    }
    items = [r.get("item") or _EMPTY for r in rows]
    columns["title_id"] = pa.array([i.get("title_id") for i in items], type=pa.int64())
    columns["episode_id"] = pa.array([i.get("episode_id") for i in items], type=pa.int64())
    client = _timestamps([r["client_time"] for r in rows])
    server = _timestamps([r.get("server_time") for r in rows])
    columns["client_time"] = client
    columns["server_time"] = pc.coalesce(server, client)  # a producer may leave it out
    columns["experiments"] = pa.array([_json(r.get("experiments")) for r in rows], pa.string())
    columns["context"] = pa.array([_json(r.get("context")) for r in rows], pa.string())
    columns["day"] = client.cast(pa.date32())
    fields = list(EVENTS_ARROW)
    arrays = [columns[f.name] for f in fields]
    for key in sorted(set().union(*rows) - _KNOWN) if rows else []:
        if (array := _extra_column([r.get(key) for r in rows])) is not None:
            fields.append(pa.field(key, array.type, nullable=True))
            arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _extra_column(values: list[Any]) -> pa.Array | None:
    """A new envelope field's column: its inferred primitive type, nested values as JSON text.

    None when every value is null: a column of nothing is not worth a schema change.
    """
    if all(value is None for value in values):
        return None
    if any(isinstance(value, Mapping | list) for value in values):
        values = [None if v is None else json.dumps(v, sort_keys=True, default=str) for v in values]
    return pa.array(values)
