"""Impression logging off the request path: one ``impression`` record per row served.

A record is the usual ``Event`` envelope: ``item`` is the row's first title, ``row`` its key,
``position`` 0, and ``context.titles`` every title the row showed, in order
(``domain.events.impression_titles`` reads it back; a client's own impression of one title has
no ``titles`` and counts as that title). One record per *title* was ~110 a page: at 1,000 pages
a second that is more events than the stream processor's budget, and the logging queue dropped
about half of them under the homepage bench (bench/README.md). A row longer than
``TITLES_PER_RECORD`` is split, each part starting at its own ``position``.

Pages' records go through a ``LogQueue`` (bounded, drained by a background thread, dropping and
counting when full) into the event log. They are written straight from a byte template: pydantic
``Event`` objects cost more CPU than the page itself. ``tests/unit/recs/test_impressions.py``
checks that every record parses as a valid ``Event`` and serialises to the same bytes.
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
# Titles per record: keeps ``context`` well under the envelope's 4 KiB bound (ids of 7 digits).
TITLES_PER_RECORD = 200


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
    """One ``impression`` envelope per row (or part of a long row), byte for byte as
    ``Event.to_json()`` writes it."""
    when = orjson.dumps(now, option=orjson.OPT_UTC_Z)
    context = (
        orjson.dumps(
            {"level": shown.level, "model_version": shown.model_version, "config": shown.config}
        )[:-1]
        + b',"titles":'
    )  # the object stays open for the row's titles
    before_id = b'{"schema_version":%d,"event_id":"' % SCHEMA_VERSION
    before_item = (
        b'","type":"' + EventType.IMPRESSION.value.encode()
        + b'","profile_id":%d' % shown.profile_id
        + b',"session_id":' + orjson.dumps(shown.session_id[:64])
        + b',"item":{"title_id":'
    )  # fmt: skip
    before_titles = (
        b'},"client_time":' + when + b',"server_time":' + when
        + b',"experiments":' + orjson.dumps(dict(shown.experiments)) + b',"context":' + context
    )  # fmt: skip
    prefix = secrets.token_hex(12)  # event ids: unique per page, then the record's index
    records: list[LogRecord] = []
    for key, titles in shown.rows:
        row = b'},"row":' + orjson.dumps(key[:64]) + b',"position":'
        for start in range(0, len(titles), TITLES_PER_RECORD):
            part = titles[start : start + TITLES_PER_RECORD]
            event_id = f"{prefix}{len(records):08x}"
            payload = b"".join(
                (before_id, event_id.encode(), before_item, b"%d" % part[0], before_titles,
                 orjson.dumps(list(part)), row, b"%d}" % start)
            )  # fmt: skip
            records.append(LogRecord(event_id, shown.profile_id, payload))
    return records


class ImpressionLog(LogQueue[LogRecord]):
    """Pages' impression records, appended to the event log in batches off the request path."""

    def __init__(self, event_log: EventLog, *, max_queued: int = _MAX_QUEUED) -> None:
        super().__init__(event_log.append, name="impressions", max_queued=max_queued)
