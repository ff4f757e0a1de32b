"""Arrow ↔ Iceberg types for the lake, and shaping Arrow rows to a table's current schema."""

from __future__ import annotations

import pyarrow as pa
from pyiceberg.schema import Schema
from pyiceberg.types import (
    BooleanType,
    DateType,
    DoubleType,
    IcebergType,
    IntegerType,
    LongType,
    StringType,
    TimestamptzType,
)

from marquee.errors import InvalidInput

_PRIMITIVES: tuple[tuple[pa.DataType, IcebergType], ...] = (
    (pa.string(), StringType()),
    (pa.large_string(), StringType()),
    (pa.int64(), LongType()),
    (pa.int32(), IntegerType()),
    (pa.float64(), DoubleType()),
    (pa.bool_(), BooleanType()),
    (pa.date32(), DateType()),
    (pa.timestamp("us", tz="UTC"), TimestamptzType()),
)


def iceberg_type(arrow_type: pa.DataType) -> IcebergType:
    """The Iceberg type of a lake column; only flat primitive columns exist in the lake."""
    for arrow, iceberg in _PRIMITIVES:
        if arrow_type == arrow:
            return iceberg
    raise InvalidInput.on("column", f"type {arrow_type} is not supported in the lake")


def matching(rows: pa.Table, schema: Schema) -> pa.Table:
    """``rows`` with exactly the table's columns, in its order and types (missing ones null)."""
    target = schema.as_arrow()
    arrays = []
    for field in target:
        if field.name in rows.column_names:
            arrays.append(rows.column(field.name).cast(field.type))
        else:
            arrays.append(pa.nulls(rows.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=target)
