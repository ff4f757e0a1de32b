"""``GET /v1/me/export``: every piece of data held about an account, as one JSON document.

Database rows come from every table with an ``account_id`` or ``profile_id`` column (so tables
added later are exported without changes here), minus secrets (columns ending in ``_hash``).
Events come from the lake and from the event log (not yet archived), once per event id.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select

from marquee.clock import Clock
from marquee.storage.db import Database
from marquee.storage.db.base import Base
from marquee.storage.db.tables import Profile
from marquee.storage.eventlog import EventLog
from marquee.storage.lake import Lake, envelopes_to_table

EXPORT_FORMAT = "marquee-export/1"
_SECRET_SUFFIXES = ("_hash",)


def _plain(value: Any) -> Any:
    """A JSON-ready value: times as ISO 8601, decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {
        column.name: _plain(getattr(row, column.name))
        for column in table.columns
        if not column.name.endswith(_SECRET_SUFFIXES)
    }


class DataExport:
    """Builds the export document; read-only over every store."""

    def __init__(self, *, db: Database, event_log: EventLog, lake: Lake, clock: Clock) -> None:
        self._db = db
        self._log = event_log
        self._lake = lake
        self._clock = clock

    def export(self, *, account_id: int) -> dict[str, Any]:
        records, profile_ids = self._records(account_id)
        return {
            "format": EXPORT_FORMAT,
            "exported_at": self._clock().isoformat(),
            "account": next(iter(records.pop("accounts", [])), {}),
            "profiles": records.pop("profiles", []),
            "records": records,
            "events": self._events(profile_ids),
        }

    def _records(self, account_id: int) -> tuple[dict[str, list[dict[str, Any]]], list[int]]:
        records: dict[str, list[dict[str, Any]]] = {}
        with self._db.session() as s:
            profile_ids = list(
                s.scalars(select(Profile.id).where(Profile.account_id == account_id))
            )
            for table in Base.metadata.sorted_tables:
                query = _owned_rows(table, account_id, profile_ids)
                if query is not None:
                    records[table.name] = [_row(table, r) for r in s.execute(query)]
        return records, profile_ids

    def _events(self, profile_ids: list[int]) -> list[dict[str, Any]]:
        """Lake rows and unarchived log entries of the profiles, by client time."""
        if not profile_ids:
            return []
        lake = self._lake.scan(profile_ids=profile_ids).to_pylist()
        stored = {row["event_id"] for row in lake}
        envelopes = [
            json.loads(entry.payload)
            for profile_id in profile_ids
            for entry in self._log.profile_entries(profile_id)
        ]
        pending = envelopes_to_table(e for e in envelopes if e["event_id"] not in stored)
        rows = [*lake, *pending.to_pylist()]
        rows.sort(key=lambda r: (r["client_time"], r["event_id"]))
        return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _owned_rows(table: Table, account_id: int, profile_ids: list[int]) -> Any:
    """A query for the rows of ``table`` that belong to the account, or None."""
    if "account_id" in table.columns:
        return select(table).where(table.columns["account_id"] == account_id)
    if "profile_id" in table.columns:
        return select(table).where(table.columns["profile_id"].in_(profile_ids or [-1]))
    if table.name == "accounts":
        return select(table).where(table.columns["id"] == account_id)
    return None
