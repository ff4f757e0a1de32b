"""Media assets of titles: register finished uploads, transcode jobs, and what producers see.

A finished ``source`` upload becomes a ``MediaAsset`` and a ``transcode`` job in one transaction.
Subtitle and audio uploads become ``MediaSidecar`` rows of the title's newest asset and queue a
new transcode of it. The asset's ``job_id`` names the one job allowed to change it, so a
superseded job can never publish over a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.clock import Clock, system_clock
from marquee.config import MediaSettings
from marquee.errors import Conflict, NotFound
from marquee.storage.db import Database
from marquee.storage.db.tables import (
    Episode,
    MediaAsset,
    MediaSidecar,
    Season,
    Title,
    Upload,
)
from marquee.storage.jobs import JobQueue, JobRecord, JobState

TRANSCODE = "transcode"
_ACTIVE = (JobState.QUEUED, JobState.RUNNING)
_WAITING = ("queued", "processing")


@dataclass(frozen=True)
class SidecarView:
    id: int
    kind: str
    language: str
    label: str
    created_at: datetime


@dataclass(frozen=True)
class AssetView:
    """An asset as a producer sees it: its state, why it failed, and its job's progress."""

    id: int
    title_id: int
    episode_id: int | None
    status: str
    source_bytes: int
    probe: dict[str, Any] | None
    duration_s: float | None
    error: str | None
    ready: bool
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None
    job: JobRecord | None
    sidecars: list[SidecarView]


def _status(asset: MediaAsset, job: JobRecord | None) -> tuple[str, str | None]:
    # A job can end without its handler running (its worker was killed once too often, or it
    # was canceled before it started): the job's state then speaks for the asset.
    ended = job is not None and job.state in (JobState.FAILED, JobState.CANCELED)
    if ended and job is not None and job.id == asset.job_id and asset.status in _WAITING:
        return job.state.value, asset.error or job.error
    return asset.status, asset.error


class MediaService:
    """Assets, sidecars and their transcode jobs."""

    def __init__(
        self,
        *,
        db: Database,
        jobs: JobQueue,
        settings: MediaSettings,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.settings = settings
        self.clock = clock

    # --- uploads become assets ----------------------------------------------------------

    def accept_upload(self, s: Session, upload: Upload, *, size: int) -> int:
        """Register a finished upload inside the caller's transaction; return the asset id."""
        if upload.purpose == "source":
            asset = MediaAsset(
                title_id=upload.title_id,
                episode_id=upload.episode_id,
                status="queued",
                source_key=upload.blob_key,
                source_bytes=size,
                created_by=upload.account_id,
            )
            previous = self._newest(s, upload.title_id, upload.episode_id)
            s.add(asset)
            s.flush()
            if previous is not None:  # a replaced source keeps the title's tracks
                self._copy_sidecars(s, previous.id, asset.id)
            self._enqueue(s, asset)
            return asset.id
        newest = self._newest(s, upload.title_id, upload.episode_id)
        if newest is None:
            raise Conflict("upload the video before its subtitles or audio tracks")
        self._attach(s, newest, upload)
        return newest.id

    def add_source(
        self,
        *,
        title_id: int,
        source_key: str,
        source_bytes: int,
        subtitles: dict[str, tuple[str, str]] | None = None,
        account_id: int | None = None,
    ) -> int:
        """Register a source already in the blob store (imports, the demo) and queue its
        transcode; ``subtitles`` maps a language to (label, blob key of its WebVTT file)."""
        with self.db.session() as s:
            if s.get(Title, title_id) is None:
                raise NotFound(f"no title {title_id}")
            asset = MediaAsset(
                title_id=title_id,
                status="queued",
                source_key=source_key,
                source_bytes=source_bytes,
                created_by=account_id,
            )
            s.add(asset)
            s.flush()
            for language, (label, key) in (subtitles or {}).items():
                s.add(
                    MediaSidecar(
                        asset_id=asset.id,
                        kind="subtitle",
                        language=language,
                        label=label,
                        source_key=key,
                    )
                )
            self._enqueue(s, asset)
            return asset.id

    def newest_asset_id(self, *, title_id: int, episode_id: int | None) -> int | None:
        with self.db.session() as s:
            asset = self._newest(s, title_id, episode_id)
            return None if asset is None else asset.id

    # --- reads --------------------------------------------------------------------------

    def list_for_title(self, *, title_id: int) -> list[AssetView]:
        with self.db.session() as s:
            if s.get(Title, title_id) is None:
                raise NotFound(f"no title {title_id}")
            assets = list(
                s.scalars(
                    select(MediaAsset)
                    .where(MediaAsset.title_id == title_id)
                    .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
                )
            )
            return self._views(s, assets)

    def get_asset(self, *, asset_id: int) -> AssetView:
        with self.db.session() as s:
            return self._views(s, [self._asset(s, asset_id)])[0]

    def get_job(self, *, job_id: int) -> JobRecord:
        return self.jobs.get(job_id)

    # --- changes ------------------------------------------------------------------------

    def cancel_job(self, *, job_id: int) -> JobRecord:
        """Cancel a job; a queued transcode's asset is marked canceled at once."""
        job = self.jobs.cancel(job_id)
        if job.state is JobState.CANCELED and job.kind == TRANSCODE:
            with self.db.session() as s:
                asset = s.get(MediaAsset, int(job.payload.get("asset_id", 0)))
                if asset is not None and asset.job_id == job.id:
                    asset.status = "canceled"
        return job

    def retranscode(self, *, asset_id: int) -> AssetView:
        """Queue a new transcode of the asset (after a failure, a cancel, or new settings)."""
        with self.db.session() as s:
            asset = self._asset(s, asset_id)
            if asset.job_id is not None:
                current = self.jobs.get(asset.job_id, session=s)
                if current.state in _ACTIVE:
                    raise Conflict(
                        f"job {current.id} is already {current.state.value} for this asset; "
                        "cancel it first"
                    )
            self._enqueue(s, asset)
            s.flush()
            return self._views(s, [asset])[0]

    # --- internals ----------------------------------------------------------------------

    def _enqueue(self, s: Session, asset: MediaAsset) -> None:
        asset.job_id = self.jobs.enqueue(
            TRANSCODE,
            {"asset_id": asset.id},
            max_attempts=self.settings.job_max_attempts,
            session=s,
        )
        asset.status = "queued"
        asset.error = None

    def _attach(self, s: Session, asset: MediaAsset, upload: Upload) -> None:
        kind, language = upload.purpose, str(upload.meta["language"])
        for old in s.scalars(
            select(MediaSidecar).where(
                MediaSidecar.asset_id == asset.id,
                MediaSidecar.kind == kind,
                MediaSidecar.language == language,
            )
        ):
            s.delete(old)  # a new file for the same language replaces the old one
        s.add(
            MediaSidecar(
                asset_id=asset.id,
                kind=kind,
                language=language,
                label=str(upload.meta["label"]),
                source_key=upload.blob_key,
            )
        )
        job = self.jobs.get(asset.job_id, session=s) if asset.job_id is not None else None
        # A transcode still waiting will read the new track when it starts; otherwise queue one
        # (a running one finishes without it and is superseded by the new job).
        if job is None or job.state is not JobState.QUEUED:
            if job is not None and job.state is JobState.RUNNING:
                self.jobs.cancel(job.id, session=s)
            self._enqueue(s, asset)

    def _copy_sidecars(self, s: Session, from_id: int, to_id: int) -> None:
        for sidecar in s.scalars(select(MediaSidecar).where(MediaSidecar.asset_id == from_id)):
            s.add(
                MediaSidecar(
                    asset_id=to_id,
                    kind=sidecar.kind,
                    language=sidecar.language,
                    label=sidecar.label,
                    source_key=sidecar.source_key,
                )
            )

    @staticmethod
    def _newest(s: Session, title_id: int, episode_id: int | None) -> MediaAsset | None:
        episode = (
            MediaAsset.episode_id.is_(None)
            if episode_id is None
            else MediaAsset.episode_id == episode_id
        )
        return s.scalars(
            select(MediaAsset)
            .where(MediaAsset.title_id == title_id, episode)
            .order_by(MediaAsset.id.desc())
            .limit(1)
        ).one_or_none()

    @staticmethod
    def _asset(s: Session, asset_id: int) -> MediaAsset:
        asset = s.get(MediaAsset, asset_id)
        if asset is None:
            raise NotFound(f"no media asset {asset_id}")
        return asset

    def _views(self, s: Session, assets: list[MediaAsset]) -> list[AssetView]:
        jobs = self.jobs.get_many([a.job_id for a in assets if a.job_id is not None], session=s)
        sidecars: dict[int, list[SidecarView]] = {a.id: [] for a in assets}
        if assets:
            for row in s.scalars(
                select(MediaSidecar)
                .where(MediaSidecar.asset_id.in_(list(sidecars)))
                .order_by(MediaSidecar.kind, MediaSidecar.language)
            ):
                sidecars[row.asset_id].append(
                    SidecarView(row.id, row.kind, row.language, row.label, row.created_at)
                )
        return [self._view(a, jobs.get(a.job_id or 0), sidecars[a.id]) for a in assets]

    @staticmethod
    def _view(asset: MediaAsset, job: JobRecord | None, sidecars: list[SidecarView]) -> AssetView:
        status, error = _status(asset, job)
        return AssetView(
            id=asset.id,
            title_id=asset.title_id,
            episode_id=asset.episode_id,
            status=status,
            source_bytes=asset.source_bytes,
            probe=asset.probe,
            duration_s=asset.duration_s,
            error=error,
            ready=asset.manifest is not None,
            created_at=asset.created_at,
            updated_at=asset.updated_at,
            ready_at=asset.ready_at,
            job=job,
            sidecars=sidecars,
        )


def episode_of_title(s: Session, *, title_id: int, episode_id: int) -> bool:
    """Whether ``episode_id`` is an episode of ``title_id``."""
    found = s.scalar(
        select(Season.title_id)
        .join(Episode, Episode.season_id == Season.id)
        .where(Episode.id == episode_id)
    )
    return found == title_id
