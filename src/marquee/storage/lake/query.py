"""SQL over lake rows with DuckDB: the scanned Arrow table is visible as ``events``."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from marquee.errors import InvalidInput


def run_sql(sql: str, events: pa.Table) -> pa.Table:
    """Run ``sql`` in a private in-memory DuckDB; a bad query is the caller's input error."""
    with duckdb.connect(":memory:") as conn:
        conn.register("events", events)
        try:
            relation: duckdb.DuckDBPyRelation | None = conn.sql(sql)
        except duckdb.Error as exc:
            raise InvalidInput.on("sql", str(exc).splitlines()[0]) from None
        if relation is None:  # a statement without rows (SET, CREATE, ...)
            return pa.table({})
        try:
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise InvalidInput.on("sql", str(exc).splitlines()[0]) from None
