"""Response models of media assets, their sidecar tracks and background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from marquee.api.schemas.base import PublicModel
from marquee.services.media import AssetView
from marquee.storage.jobs import JobRecord

AssetStatus = Literal["uploaded", "queued", "processing", "ready", "failed", "canceled"]
JobStateName = Literal["queued", "running", "succeeded", "failed", "canceled"]


class JobPublic(PublicModel):
    """A background job: where it is, how far it got, and why it failed."""

    id: int
    kind: str
    state: JobStateName
    progress: float
    message: str | None
    error: str | None
    attempts: int
    max_attempts: int
    cancel_requested: bool
    run_at: datetime
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_record(cls, job: JobRecord) -> JobPublic:
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state.value,
            progress=round(job.progress, 4),
            message=job.message,
            error=job.error,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            cancel_requested=job.cancel_requested,
            run_at=job.run_at,
            created_at=job.created_at,
            updated_at=job.updated_at,
            finished_at=job.finished_at,
        )


class AudioStreamPublic(PublicModel):
    codec: str
    channels: int
    language: str | None


class ProbePublic(PublicModel):
    """What the uploaded source holds, as the probe found it."""

    container: str
    duration_s: float
    video_codec: str
    width: int
    height: int
    rotation: int
    frame_rate: float
    audio: list[AudioStreamPublic]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbePublic:
        return cls(
            container=str(data.get("container", "")),
            duration_s=float(data.get("duration_s", 0.0)),
            video_codec=str(data.get("video_codec", "")),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
            rotation=int(data.get("rotation", 0)),
            frame_rate=float(data.get("frame_rate", 0.0)),
            audio=[
                AudioStreamPublic(
                    codec=str(a.get("codec", "")),
                    channels=int(a.get("channels", 0)),
                    language=a.get("language"),
                )
                for a in data.get("audio", [])
            ],
        )


class SidecarPublic(PublicModel):
    id: int
    kind: Literal["subtitle", "audio"]
    language: str
    label: str
    created_at: datetime


class MediaAssetPublic(PublicModel):
    """An uploaded source and its transcode: ``ready`` means renditions are published."""

    id: int
    title_id: int
    episode_id: int | None
    status: AssetStatus
    ready: bool
    error: str | None
    source_bytes: int
    duration_s: float | None
    probe: ProbePublic | None
    job: JobPublic | None
    sidecars: list[SidecarPublic]
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None

    @classmethod
    def from_view(cls, view: AssetView) -> MediaAssetPublic:
        return cls(
            id=view.id,
            title_id=view.title_id,
            episode_id=view.episode_id,
            status=view.status,
            ready=view.ready,
            error=view.error,
            source_bytes=view.source_bytes,
            duration_s=view.duration_s,
            probe=ProbePublic.from_json(view.probe) if view.probe else None,
            job=JobPublic.from_record(view.job) if view.job else None,
            sidecars=[
                SidecarPublic(
                    id=s.id,
                    kind=s.kind,
                    language=s.language,
                    label=s.label,
                    created_at=s.created_at,
                )
                for s in view.sidecars
            ],
            created_at=view.created_at,
            updated_at=view.updated_at,
            ready_at=view.ready_at,
        )


class MediaAssetsPublic(PublicModel):
    data: list[MediaAssetPublic]
    count: int

    @classmethod
    def from_views(cls, views: list[AssetView]) -> MediaAssetsPublic:
        return cls(data=[MediaAssetPublic.from_view(v) for v in views], count=len(views))
