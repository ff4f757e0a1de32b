"""Admin: playback sessions with their quality-of-experience figures, and figures across them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from marquee.api.deps import AdminPrincipal, QoeDep
from marquee.api.schemas.base import Limit, Offset
from marquee.api.schemas.catalog import MAX_ID
from marquee.api.schemas.playback import (
    AdminSessionPublic,
    AdminSessionsPublic,
    QoeSummaryPublic,
)
from marquee.services.playback_qoe import SessionFilter

router = APIRouter(prefix="/admin/playback", tags=["playback"])

Since = Annotated[AwareDatetime | None, Query(description="Sessions started at or after this.")]
TitleFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]
AccountFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Active = Annotated[bool | None, Query(description="true: still running; false: ended")]


def _filter(
    since: datetime | None, title_id: int | None, account_id: int | None, active: bool | None
) -> SessionFilter:
    return SessionFilter(since=since, title_id=title_id, account_id=account_id, active=active)


@router.get("/sessions", summary="Playback sessions, newest first, with QoE (admins only)")
def list_sessions(
    *,
    _: AdminPrincipal,
    qoe: QoeDep,
    since: Since = None,
    title_id: TitleFilter = None,
    account_id: AccountFilter = None,
    active: Active = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> AdminSessionsPublic:
    rows, count = qoe.sessions(
        _filter(since, title_id, account_id, active), limit=limit, offset=offset
    )
    return AdminSessionsPublic(data=[AdminSessionPublic.of(r) for r in rows], count=count)


@router.get("/summary", summary="QoE across sessions: startup p50/p95, rebuffering, bitrate")
def summary(
    *,
    _: AdminPrincipal,
    qoe: QoeDep,
    since: Since = None,
    title_id: TitleFilter = None,
    account_id: AccountFilter = None,
    active: Active = None,
) -> QoeSummaryPublic:
    return QoeSummaryPublic.of(qoe.summary(_filter(since, title_id, account_id, active)))
