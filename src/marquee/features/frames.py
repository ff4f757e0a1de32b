"""Arrow tables the offline computation reads: the lake's flat ``events`` schema and a titles table.

``events_to_arrow`` builds, from envelopes, exactly the table the lake's reader returns, so the
batch features can be computed (and tested) without the lake.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC

import pyarrow as pa

from marquee.domain.events import Event
from marquee.storage.lake.schema import EVENTS_ARROW

# One row per event: the lake's ``events`` table (its schema module is the one source).
EVENTS_SCHEMA = EVENTS_ARROW

TITLES_SCHEMA = pa.schema(
    [
        pa.field("title_id", pa.int64(), nullable=False),
        pa.field("genres", pa.list_(pa.string())),
        pa.field("languages", pa.list_(pa.string())),
    ]
)

_PLAIN = ("position_s", "duration_s", "device", "country", "value", "row", "position", "query")
_PLAIN_TAIL = ("results", "from_s", "to_s", "app_version")


def event_row(event: Event) -> dict[str, object]:
    """One envelope as a row of ``EVENTS_SCHEMA`` (server time defaults to client time)."""
    client = event.client_time.astimezone(UTC)
    server = (event.server_time or event.client_time).astimezone(UTC)
    row: dict[str, object] = {
        "event_id": event.event_id,
        "type": event.type.value,
        "profile_id": event.profile_id,
        "session_id": event.session_id,
        "title_id": event.item.title_id if event.item else None,
        "episode_id": event.item.episode_id if event.item else None,
        "client_time": client,
        "server_time": server,
        "experiments": json.dumps(event.experiments, sort_keys=True),
        "context": json.dumps(event.context, sort_keys=True, default=str),
        "day": client.date(),
    }
    for name in (*_PLAIN, *_PLAIN_TAIL):
        row[name] = getattr(event, name)
    return row


def events_to_arrow(events: Iterable[Event]) -> pa.Table:
    """Envelopes → a table of exactly ``EVENTS_SCHEMA``."""
    rows = [event_row(event) for event in events]
    return pa.Table.from_pylist(rows, schema=EVENTS_SCHEMA)


def titles_to_arrow(
    genres: Mapping[int, Sequence[str]], languages: Mapping[int, Sequence[str]] | None = None
) -> pa.Table:
    """Title id → genres (and languages) as a table of ``TITLES_SCHEMA``."""
    languages = languages or {}
    ids = sorted(set(genres) | set(languages))
    return pa.Table.from_pylist(
        [
            {
                "title_id": title_id,
                "genres": list(genres.get(title_id, ())),
                "languages": list(languages.get(title_id, ())),
            }
            for title_id in ids
        ],
        schema=TITLES_SCHEMA,
    )
