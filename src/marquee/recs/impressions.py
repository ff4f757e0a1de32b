"""Impression logging off the request path: one ``impression`` record per title served.

Pages' impressions go through a ``LogQueue`` (bounded, drained by a background thread, dropping
and counting when full) into the event log, in the same ``Event`` envelope as every other event.

One page shows ~100 titles, so the records are written straight from a byte template: building
and serialising pydantic ``Event`` objects cost several times more CPU than the page itself.
``tests/unit/recs/test_impressions.py`` checks that every record parses as a valid ``Event``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

from marquee.domain.events import SCHEMA_VERSION, EventType
from marquee.services.log_queue import LogQueue
from marquee.storage.eventlog import EventLog, LogRecord

_MAX_QUEUED = 2_000  # pages (a second or two of traffic for one worker)


@dataclass(frozen=True)
class PageShown:
    """What one served page showed, and to whom: the input of its impression records."""

    profile_id: int
    session_id: str
    experiments: Mapping[str, str]  # the exposure: {experiment: variant}
    level: str
    model_version: str | None
    config: str
    rows: Sequence[tuple[str, Sequence[int]]]  # (row key, title ids in order)


def impression_records(shown: PageShown, now: datetime) -> list[LogRecord]:
    """One ``impression`` envelope per title, byte for byte as ``Event.to_json()`` writes it."""
    when = orjson.dumps(now, option=orjson.OPT_UTC_Z)
    context = {"level": shown.level, "model_version": shown.model_version, "config": shown.config}
    before_id = b'{"schema_version":%d,"event_id":"' % SCHEMA_VERSION
    before_item = (
        b'","type":"' + EventType.IMPRESSION.value.encode()
        + b'","profile_id":%d' % shown.profile_id
        + b',"session_id":' + orjson.dumps(shown.session_id[:64])
        + b',"item":{"title_id":'
    )  # fmt: skip
    before_row = (
        b'},"client_time":' + when + b',"server_time":' + when
        + b',"experiments":' + orjson.dumps(dict(shown.experiments))
        + b',"context":' + orjson.dumps(context) + b',"row":'
    )  # fmt: skip
    prefix = secrets.token_hex(12)  # event ids: unique per page, then the title's index
    records: list[LogRecord] = []
    for key, titles in shown.rows:
        row = orjson.dumps(key[:64]) + b',"position":'
        for position, title_id in enumerate(titles):
            event_id = f"{prefix}{len(records):08x}"
            payload = b"".join(
                (before_id, event_id.encode(), before_item, b"%d" % title_id, before_row, row,
                 b"%d}" % position)
            )  # fmt: skip
            records.append(LogRecord(event_id, shown.profile_id, payload))
    return records


class ImpressionLog(LogQueue[LogRecord]):
    """Pages' impression records, appended to the event log in batches off the request path."""

    def __init__(self, event_log: EventLog, *, max_queued: int = _MAX_QUEUED) -> None:
        super().__init__(event_log.append, name="impressions", max_queued=max_queued)
