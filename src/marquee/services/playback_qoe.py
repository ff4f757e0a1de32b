"""Quality of experience for admins: playback sessions one by one, and figures across them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from marquee.domain.playback import Qoe, QoeSummary, summary_of
from marquee.storage.db import Database
from marquee.storage.db.tables import PlaybackSession


@dataclass(frozen=True)
class SessionFilter:
    since: datetime | None = None
    title_id: int | None = None
    account_id: int | None = None
    active: bool | None = None  # True: not ended; False: ended; None: both


def qoe_of(row: PlaybackSession) -> Qoe:
    return Qoe(
        startup_ms=row.startup_ms,
        watch_s=row.watch_s,
        rebuffer_ms=row.rebuffer_ms,
        rebuffer_events=row.rebuffer_events,
        bitrate_kbps_s=row.bitrate_kbps_s,
        errors=row.error_count,
    )


def _conditions(f: SessionFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.since is not None:
        where.append(PlaybackSession.started_at >= f.since)
    if f.title_id is not None:
        where.append(PlaybackSession.title_id == f.title_id)
    if f.account_id is not None:
        where.append(PlaybackSession.account_id == f.account_id)
    if f.active is True:
        where.append(PlaybackSession.ended_at.is_(None))
    elif f.active is False:
        where.append(PlaybackSession.ended_at.is_not(None))
    return where


class QoeService:
    def __init__(self, *, db: Database) -> None:
        self._db = db

    def sessions(
        self, f: SessionFilter, *, limit: int, offset: int
    ) -> tuple[list[PlaybackSession], int]:
        """Newest first, and how many match."""
        where = _conditions(f)
        with self._db.session() as s:
            rows = s.scalars(
                select(PlaybackSession)
                .where(*where)
                .order_by(PlaybackSession.started_at.desc(), PlaybackSession.id)
                .limit(limit)
                .offset(offset)
            )
            count = s.scalar(select(func.count()).select_from(PlaybackSession).where(*where))
            return list(rows), int(count or 0)

    def summary(self, f: SessionFilter) -> QoeSummary:
        """Sums in SQL; only the startup times come back row by row, for the percentiles."""
        where = _conditions(f)
        s_ = PlaybackSession
        with self._db.session() as s:
            sessions, watch, stalled_ms, bitrate, errored = s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(s_.watch_s), 0.0),
                    func.coalesce(func.sum(s_.rebuffer_ms), 0),
                    func.coalesce(func.sum(s_.bitrate_kbps_s), 0.0),
                    func.count().filter(s_.error_count > 0),
                ).where(*where)
            ).one()
            startups = [
                float(ms)
                for ms in s.scalars(select(s_.startup_ms).where(*where, s_.startup_ms.is_not(None)))
                if ms is not None
            ]
        return summary_of(
            sessions=int(sessions),
            watch_s=float(watch),
            rebuffer_ms=int(stalled_ms),
            bitrate_kbps_s=float(bitrate),
            sessions_with_errors=int(errored),
            startups_ms=startups,
        )
