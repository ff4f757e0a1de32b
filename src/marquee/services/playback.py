"""Playback sessions: start (checks, stream lease, per-session master), heartbeats, stop.

A session is a database row (for QoE and support) plus a lease in the online store (for the
concurrent-stream limit) plus its master playlist in the online store (for the edge). Playback
events go to the event log through ``EventsService.publish`` after the row is committed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.config import PlaybackSettings
from marquee.domain.events import Event, EventType, ItemRef
from marquee.domain.playback import (
    MAX_KEPT_ERRORS,
    Beat,
    Qoe,
    fold_heartbeat,
    playable_variants,
    too_many_streams,
)
from marquee.errors import Conflict, MarqueeError, NotFound
from marquee.services import progress as progress_rules
from marquee.services.billing import BillingService
from marquee.services.events import EventsService
from marquee.services.playback_access import Grant, QualityCap, Request, grant, quality_cap
from marquee.services.playback_qoe import qoe_of
from marquee.services.playback_urls import MediaUrls, master_kv_key
from marquee.services.progress import EpisodeRef
from marquee.services.stream_leases import Lease, Refused, StreamLeases
from marquee.storage.db import Database
from marquee.storage.db.tables import PlaybackSession
from marquee.storage.kv import OnlineStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    session_id: str
    title_id: int
    episode_id: int | None
    master_url: str
    expires_at: int  # epoch seconds: when the signed URLs stop working
    resume_position_s: float
    duration_s: float
    heartbeat_interval_s: int
    lease_expires_at: float
    heights: list[int]
    poster_url: str | None
    thumbnails_url: str | None


@dataclass(frozen=True)
class Report:
    """What a player says in a heartbeat (or with stop)."""

    position_s: float
    paused: bool = False
    bitrate_kbps: int | None = None
    buffering_ms: Sequence[int] = ()
    startup_ms: int | None = None
    errors: Sequence[str] = field(default_factory=list)


@dataclass(frozen=True)
class Beaten:
    """What the server made of a heartbeat or a stop."""

    session_id: str
    position_s: float
    resume_position_s: float | None  # None: not kept (under 5 %, or complete)
    completed: bool
    ended: bool
    lease_expires_at: float | None
    next_heartbeat_s: int
    next_episode: EpisodeRef | None


class PlaybackService:
    def __init__(
        self,
        *,
        db: Database,
        kv: OnlineStore,
        clock: Clock,
        settings: PlaybackSettings,
        billing: BillingService,
        events: EventsService,
        urls: MediaUrls,
    ) -> None:
        self._db = db
        self._kv = kv
        self._clock = clock
        self._settings = settings
        self._billing = billing
        self._events = events
        self._urls = urls
        self.leases = StreamLeases(kv=kv, clock=clock, ttl_s=settings.lease_ttl_s)

    def start(
        self,
        *,
        account_id: int,
        profile_id: int,
        title_id: int,
        episode_id: int | None = None,
        device: str | None = None,
    ) -> Started:
        """Check everything, take a stream lease and hand out the session's signed master."""
        now = self._clock()
        entitlements = self._billing.entitlements(account_id)
        with self._db.session() as s:
            allowed = grant(
                s,
                Request(account_id, profile_id, title_id, episode_id),
                entitlements=entitlements,
                now=now,
            )
            resume = progress_rules.resume_position(
                s, profile_id=profile_id, title_id=title_id, episode_id=episode_id
            )
        variants = playable_variants(allowed.manifest.variants, allowed.max_height)
        if not variants:
            raise Conflict(f"no rendition of this title fits your plan's {allowed.max_height}p")
        session_id = "p" + secrets.token_urlsafe(18)
        lease = self._take_screen(allowed, session_id)
        try:
            row = self._open(session_id, allowed, device, now)
        except BaseException:
            self.leases.release(account_id=account_id, session_id=session_id)
            raise
        expires = self._urls.expiry(now, self._settings.url_ttl_s)
        playlist = self._urls.master_playlist(session_id, expires, allowed.manifest, variants)
        self._kv.set(master_kv_key(session_id), playlist.encode(), ttl=self._settings.url_ttl_s)
        self._publish([_row_event(row, EventType.PLAY_START, now, position=resume)])
        return Started(
            session_id=session_id,
            title_id=allowed.title_id,
            episode_id=allowed.episode_id,
            master_url=self._urls.master_url(session_id, expires),
            expires_at=expires,
            resume_position_s=resume,
            duration_s=allowed.manifest.duration_s,
            heartbeat_interval_s=self._settings.heartbeat_interval_s,
            lease_expires_at=lease.expires_at,
            heights=sorted(v.height for v in variants),
            poster_url=self._file(session_id, expires, allowed, allowed.manifest.poster),
            thumbnails_url=self._thumbnails(session_id, expires, allowed),
        )

    def quality_cap(
        self, *, account_id: int, title_id: int, episode_id: int | None = None
    ) -> QualityCap | None:
        """What the account's plan keeps this title below (its best rung), or None: no plan,
        nothing ready, or the plan plays the best rung."""
        entitlements = self._billing.entitlements(account_id)
        if entitlements is None:
            return None
        with self._db.session() as s:
            return quality_cap(
                s, entitlements=entitlements, title_id=title_id, episode_id=episode_id
            )

    def heartbeat(self, *, account_id: int, session_id: str, report: Report) -> Beaten:
        """Renew the lease and store progress and QoE; 409 once the session has ended."""
        now = self._clock()
        lease = self.leases.renew(account_id=account_id, session_id=session_id)
        result: tuple[Beaten, list[Event]] | None = None
        with self._db.session() as s:
            row = self._session(s, account_id, session_id)
            if lease is not None and row.ended_at is None:
                result = self._beat(s, row, report, now, lease.expires_at)
            elif row.ended_at is None:
                self._end(s, row, "expired", now)
        # Raised after the unit of work, so marking the session expired is kept.
        if result is None:
            raise Conflict(_ended_message(row.end_reason, self._settings.lease_ttl_s))
        beaten, events = result
        self._publish(events)
        return beaten

    def stop(self, *, account_id: int, session_id: str, report: Report | None) -> Beaten:
        """End the session and free its slot; stopping twice answers the same."""
        now = self._clock()
        events: list[Event] = []
        resume: float | None = None
        with self._db.session() as s:
            row = self._session(s, account_id, session_id)
            if row.ended_at is None:
                if report is not None:
                    last, events = self._beat(s, row, report, now, None)
                    resume = last.resume_position_s
                self._end(s, row, "stopped", now)
                events.append(_row_event(row, EventType.STOP, now))
            beaten = self._answer(s, row, resume, None)
        self.leases.release(account_id=account_id, session_id=session_id)
        self._kv.delete([master_kv_key(session_id)])
        self._publish(events)
        return beaten

    # -- inside a unit of work ------------------------------------------------------------------

    def _open(
        self, session_id: str, allowed: Grant, device: str | None, now: datetime
    ) -> PlaybackSession:
        with self._db.session() as s:
            row = PlaybackSession(
                id=session_id,
                account_id=allowed.account_id,
                profile_id=allowed.profile_id,
                title_id=allowed.title_id,
                episode_id=allowed.episode_id,
                asset_id=allowed.asset_id,
                plan=allowed.plan_code,
                max_height=allowed.max_height,
                country=allowed.country,
                device=device,
                duration_s=allowed.manifest.duration_s,
                started_at=now,
                last_heartbeat_at=now,
                errors=[],
            )
            s.add(row)
        return row

    def _beat(
        self,
        s: Session,
        row: PlaybackSession,
        report: Report,
        now: datetime,
        lease_expires_at: float | None,
    ) -> tuple[Beaten, list[Event]]:
        since = (now - row.last_heartbeat_at).total_seconds()
        if row.heartbeats == 0 and report.startup_ms:
            since -= report.startup_ms / 1000  # getting the first frame up is not watching
        beat = Beat(
            paused=report.paused,
            bitrate_kbps=report.bitrate_kbps,
            buffering_ms=list(report.buffering_ms),
            startup_ms=report.startup_ms if row.heartbeats == 0 else None,
            errors=len(report.errors),
        )
        interval = self._settings.heartbeat_interval_s
        _store_qoe(row, fold_heartbeat(qoe_of(row), beat, elapsed_s=since, interval_s=interval))
        row.heartbeats += 1
        row.last_heartbeat_at = now
        row.last_bitrate_kbps = report.bitrate_kbps or row.last_bitrate_kbps
        row.errors = [*row.errors, *report.errors][-MAX_KEPT_ERRORS:]
        row.position_s = min(max(report.position_s, 0.0), row.duration_s)
        kept = progress_rules.record(
            s,
            profile_id=row.profile_id,
            title_id=row.title_id,
            episode_id=row.episode_id,
            position_s=row.position_s,
            duration_s=row.duration_s,
            now=now,
        )
        events = [_row_event(row, EventType.HEARTBEAT, now, seq=row.heartbeats)]
        if kept.completed and not row.completed:
            row.completed = True
            events.append(_row_event(row, EventType.COMPLETE, now))
        return self._answer(s, row, kept.position_s, lease_expires_at), events

    def _answer(
        self,
        s: Session,
        row: PlaybackSession,
        resume: float | None,
        lease_expires_at: float | None,
    ) -> Beaten:
        following = None
        if row.completed and row.episode_id is not None:
            following = progress_rules.next_after(s, row.title_id, row.episode_id)
        return Beaten(
            session_id=row.id,
            position_s=row.position_s,
            resume_position_s=resume,
            completed=row.completed,
            ended=row.ended_at is not None,
            lease_expires_at=lease_expires_at,
            next_heartbeat_s=self._settings.heartbeat_interval_s,
            next_episode=following,
        )

    @staticmethod
    def _session(s: Session, account_id: int, session_id: str) -> PlaybackSession:
        row = s.get(PlaybackSession, session_id)
        if row is None or row.account_id != account_id:
            raise NotFound(f"no playback session {session_id}")
        return row

    @staticmethod
    def _end(s: Session, row: PlaybackSession, reason: str, now: datetime) -> None:
        row.ended_at = now
        row.end_reason = reason

    def _take_screen(self, allowed: Grant, session_id: str) -> Lease:
        lease = self.leases.acquire(
            account_id=allowed.account_id,
            session_id=session_id,
            profile_id=allowed.profile_id,
            limit=allowed.max_streams,
        )
        if isinstance(lease, Refused):
            active = len(lease.active)
            raise Conflict(too_many_streams(active, allowed.plan_name, allowed.max_streams))
        return lease

    def _thumbnails(self, session_id: str, expires: int, allowed: Grant) -> str | None:
        manifest = allowed.manifest
        if not manifest.thumbnails_vtt:
            return None
        return self._urls.folder_url(session_id, expires, manifest, manifest.thumbnails_vtt)

    def _file(self, session_id: str, expires: int, allowed: Grant, rel: str | None) -> str | None:
        if not rel:
            return None
        return self._urls.file_url(session_id, expires, f"{allowed.manifest.prefix}/{rel}")

    def _publish(self, events: list[Event]) -> None:
        # A viewer's stream must not stop because analytics is down: log and carry on.
        try:
            self._events.publish(events)
        except MarqueeError as exc:
            log.warning("playback events not recorded: %s", exc)


def _ended_message(reason: str | None, lease_ttl_s: int) -> str:
    if reason == "expired":
        return (
            f"This playback session has ended: no heartbeat for {lease_ttl_s} s, so its screen "
            "was freed. Start playback again."
        )
    return "This playback session has been stopped. Start playback again."


def _store_qoe(row: PlaybackSession, qoe: Qoe) -> None:
    row.startup_ms = qoe.startup_ms
    row.watch_s = qoe.watch_s
    row.rebuffer_ms = qoe.rebuffer_ms
    row.rebuffer_events = qoe.rebuffer_events
    row.bitrate_kbps_s = qoe.bitrate_kbps_s
    row.error_count = qoe.errors


def _row_event(
    row: PlaybackSession,
    kind: EventType,
    now: datetime,
    *,
    seq: int = 0,
    position: float | None = None,
) -> Event:
    return Event(
        event_id=f"{row.id}-{kind.value}-{seq}",
        type=kind,
        profile_id=row.profile_id,
        session_id=row.id,
        item=ItemRef(title_id=row.title_id, episode_id=row.episode_id),
        position_s=row.position_s if position is None else position,
        duration_s=row.duration_s,
        country=row.country,
        device=row.device,
        client_time=now,
        server_time=now,
        context={"bitrate_kbps": row.last_bitrate_kbps} if kind is EventType.HEARTBEAT else {},
    )
