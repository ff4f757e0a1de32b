"""Bodies of playback, heartbeats, Continue Watching, next episode, downloads and the QoE view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.api.schemas.catalog import MAX_ID
from marquee.domain.playback import QoeSummary
from marquee.services.downloads import DownloadLink
from marquee.services.playback import Beaten, Report, Started
from marquee.services.playback_qoe import qoe_of
from marquee.services.progress import EpisodeRef, WatchItem
from marquee.storage.db.tables import PlaybackSession

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Seconds = Annotated[float, Field(ge=0, le=1_000_000)]


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class PlaybackStart(RequestModel):
    profile_id: Id
    title_id: Id
    episode_id: Id | None = Field(default=None, description="Required for titles with episodes.")
    device: str | None = Field(default=None, min_length=1, max_length=64, examples=["tv"])


class BufferingEvent(RequestModel):
    duration_ms: int = Field(ge=0, le=3_600_000)


class Heartbeat(RequestModel):
    """What the player reports every ``heartbeat_interval_s`` seconds."""

    position_s: Seconds
    paused: bool = False
    bitrate_kbps: int | None = Field(default=None, ge=0, le=1_000_000)
    buffering_events: list[BufferingEvent] = Field(default_factory=list, max_length=100)
    startup_ms: int | None = Field(
        default=None, ge=0, le=600_000, description="Time to first frame; first heartbeat only."
    )
    errors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )

    def report(self) -> Report:
        return Report(
            position_s=self.position_s,
            paused=self.paused,
            bitrate_kbps=self.bitrate_kbps,
            buffering_ms=[event.duration_ms for event in self.buffering_events],
            startup_ms=self.startup_ms,
            errors=list(self.errors),
        )


class PlaybackSessionPublic(PublicModel):
    session_id: str
    title_id: int
    episode_id: int | None
    master_url: str = Field(description="The session's HLS master playlist (signed).")
    expires_at: datetime = Field(description="When the signed URLs stop working.")
    resume_position_s: float
    duration_s: float
    heartbeat_interval_s: int
    lease_expires_at: datetime
    heights: list[int] = Field(description="Frame heights of the variants this plan allows.")
    poster_url: str | None
    thumbnails_url: str | None = Field(description="WebVTT of scrub thumbnails (signed).")

    @classmethod
    def of(cls, started: Started) -> PlaybackSessionPublic:
        data: dict[str, Any] = {**started.__dict__}
        data["expires_at"] = _at(started.expires_at)
        data["lease_expires_at"] = _at(started.lease_expires_at)
        return cls.model_validate(data)


class EpisodeRefPublic(PublicModel):
    id: int
    season_number: int
    number: int
    name: str


class HeartbeatPublic(PublicModel):
    session_id: str
    position_s: float
    resume_position_s: float | None = Field(
        description="What was kept: none under 5 % watched or once complete (over 90 %)."
    )
    completed: bool
    ended: bool
    lease_expires_at: datetime | None
    next_heartbeat_s: int
    next_episode: EpisodeRefPublic | None

    @classmethod
    def of(cls, beaten: Beaten) -> HeartbeatPublic:
        data: dict[str, Any] = {**beaten.__dict__}
        data["lease_expires_at"] = (
            _at(beaten.lease_expires_at) if beaten.lease_expires_at is not None else None
        )
        data["next_episode"] = _episode(beaten.next_episode)
        return cls.model_validate(data)


def _episode(ref: EpisodeRef | None) -> EpisodeRefPublic | None:
    return None if ref is None else EpisodeRefPublic.model_validate(ref)


class WatchItemPublic(PublicModel):
    title_id: int
    title_name: str
    kind: str
    episode: EpisodeRefPublic | None
    position_s: float
    duration_s: float | None
    updated_at: datetime
    reason: str = Field(description="resume: carry on where you stopped; next: the next episode")

    @classmethod
    def of(cls, item: WatchItem) -> WatchItemPublic:
        data: dict[str, Any] = {**item.__dict__, "episode": _episode(item.episode)}
        return cls.model_validate(data)


class WatchItemsPublic(PublicModel):
    data: list[WatchItemPublic]
    count: int


class NextEpisodePublic(PublicModel):
    title_id: int
    next: WatchItemPublic | None = Field(description="None when every episode has been watched.")


class DownloadCreate(RequestModel):
    profile_id: Id
    title_id: Id
    episode_id: Id | None = None
    height: int | None = Field(
        default=None, ge=144, le=4320, description="A rung's height; default the best allowed."
    )


class DownloadPublic(PublicModel):
    url: str
    expires_at: datetime
    height: int
    size_bytes: int
    filename: str

    @classmethod
    def of(cls, link: DownloadLink) -> DownloadPublic:
        return cls.model_validate({**link.__dict__, "expires_at": _at(link.expires_at)})


class QoePublic(PublicModel):
    startup_ms: int | None
    watch_s: float
    rebuffer_ms: int
    rebuffer_events: int
    rebuffer_ratio: float
    average_bitrate_kbps: float | None
    errors: int


class AdminSessionPublic(PublicModel):
    id: str
    account_id: int
    profile_id: int
    title_id: int
    episode_id: int | None
    plan: str
    max_height: int
    country: str
    device: str | None
    started_at: datetime
    last_heartbeat_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    position_s: float
    duration_s: float
    completed: bool
    heartbeats: int
    last_bitrate_kbps: int | None
    last_errors: list[Any]
    qoe: QoePublic

    @classmethod
    def of(cls, row: PlaybackSession) -> AdminSessionPublic:
        qoe = qoe_of(row)
        figures = QoePublic(
            startup_ms=qoe.startup_ms,
            watch_s=qoe.watch_s,
            rebuffer_ms=qoe.rebuffer_ms,
            rebuffer_events=qoe.rebuffer_events,
            rebuffer_ratio=qoe.rebuffer_ratio,
            average_bitrate_kbps=qoe.average_bitrate_kbps,
            errors=qoe.errors,
        )
        fields = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls.model_validate({**fields, "last_errors": row.errors, "qoe": figures})


class AdminSessionsPublic(PublicModel):
    data: list[AdminSessionPublic]
    count: int


class QoeSummaryPublic(PublicModel):
    sessions: int
    startup_ms_p50: float | None
    startup_ms_p95: float | None
    rebuffer_ratio: float
    average_bitrate_kbps: float | None
    sessions_with_errors: int

    @classmethod
    def of(cls, summary: QoeSummary) -> QoeSummaryPublic:
        return cls.model_validate(summary.__dict__)
