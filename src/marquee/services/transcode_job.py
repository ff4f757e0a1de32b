"""The ``transcode`` job: source in the blob store → published HLS rendition set.

Steps: fetch the source (and sidecar tracks) into a scratch folder, probe it, run the ladder,
upload every output file under a prefix no earlier attempt used (``media/{asset}/v{job}-{n}``),
then, in one transaction, set the asset's manifest and mark it ready. Playback reads only the
manifest, so nothing half-written is ever served; older prefixes are deleted afterwards.
A source that is not a usable video fails at once (no retry) with the probe's reason.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from marquee.clock import Clock, system_clock
from marquee.config import MediaSettings
from marquee.domain.media import Manifest
from marquee.media.errors import TranscodeCanceled, UnsupportedMedia
from marquee.media.pipeline import SidecarInput, TranscodeRequest, transcode
from marquee.media.probe import probe
from marquee.storage.blob import BlobNotFound, BlobStore
from marquee.storage.db import Database
from marquee.storage.db.tables import MediaAsset, MediaSidecar
from marquee.storage.jobs import JobCanceled, JobContext, JobRecord, PermanentJobError

log = logging.getLogger("marquee.transcode")
_VERSION = re.compile(r"^v(\d+)-(\d+)$")
# Shares of the progress bar: fetching the source, the ladder, uploading the result.
_FETCH, _ENCODE = 0.03, 0.87


@dataclass(frozen=True)
class _Sidecar:
    kind: str
    language: str
    label: str
    key: str


@dataclass(frozen=True)
class _Plan:
    """What one attempt works on, read when it starts."""

    asset_id: int
    source_key: str
    prefix: str
    version: tuple[int, int]
    sidecars: list[_Sidecar] = field(default_factory=list)


class TranscodeJob:
    """The handler the worker calls for each claimed ``transcode`` job."""

    kind = "transcode"

    def __init__(
        self,
        *,
        db: Database,
        blobs: BlobStore,
        settings: MediaSettings,
        work_dir: Path,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.settings = settings
        self.work_dir = work_dir
        self.clock = clock

    def __call__(self, job: JobRecord, ctx: JobContext) -> None:
        plan = self._start(job)
        if plan is None:
            return  # superseded by a newer job for the same asset
        scratch = self._scratch(job)
        try:
            manifest = self._produce(plan, scratch, ctx)
            ctx.progress(_FETCH + _ENCODE, "publishing the renditions")
            self._upload(scratch / "out", plan.prefix, ctx)
            published = self._publish(plan, job, manifest)
        except (UnsupportedMedia, BlobNotFound) as exc:
            reason = exc.reason if isinstance(exc, UnsupportedMedia) else _missing(exc)
            self._record(plan.asset_id, job, status="failed", error=reason)
            raise PermanentJobError(reason) from exc
        except (TranscodeCanceled, JobCanceled) as exc:
            self.blobs.delete_prefix(plan.prefix + "/")
            status = "canceled" if ctx.cancel_requested() else "queued"
            self._record(plan.asset_id, job, status=status, error=None)
            raise JobCanceled(str(exc)) from exc
        except Exception as exc:
            self.blobs.delete_prefix(plan.prefix + "/")
            final = job.attempts >= job.max_attempts
            self._record(plan.asset_id, job, status="failed" if final else "queued", error=str(exc))
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if not published:  # a newer job took the asset over while this one ran
            self.blobs.delete_prefix(plan.prefix + "/")
            return
        try:
            self._delete_older_versions(plan)
        except Exception:  # published already; stale folders are only wasted space
            log.exception("job %s: could not delete older renditions", job.id)

    # --- steps --------------------------------------------------------------------------

    def _start(self, job: JobRecord) -> _Plan | None:
        asset_id = int(job.payload["asset_id"])
        with self.db.session() as s:
            asset = s.get(MediaAsset, asset_id)
            if asset is None or asset.job_id != job.id:
                log.info("job %s: asset %s gone or superseded; nothing to do", job.id, asset_id)
                return None
            asset.status = "processing"
            sidecars = [
                _Sidecar(row.kind, row.language, row.label, row.source_key)
                for row in s.scalars(
                    select(MediaSidecar)
                    .where(MediaSidecar.asset_id == asset_id)
                    .order_by(MediaSidecar.id)
                )
            ]
            version = (job.id, job.attempts)
            return _Plan(
                asset_id=asset_id,
                source_key=asset.source_key,
                prefix=f"media/{asset_id}/v{version[0]}-{version[1]}",
                version=version,
                sidecars=sidecars,
            )

    def _scratch(self, job: JobRecord) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        # An earlier attempt of this job on a killed worker may have left its folder behind.
        for stale in self.work_dir.glob(f"job{job.id}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f"job{job.id}-", dir=self.work_dir))

    def _produce(self, plan: _Plan, scratch: Path, ctx: JobContext) -> Manifest:
        ctx.progress(0.0, "fetching the source")
        source = scratch / "source"
        self.blobs.download(plan.source_key, source)
        info = probe(source)
        with self.db.session() as s:
            asset = s.get(MediaAsset, plan.asset_id)
            if asset is not None:
                asset.probe, asset.duration_s = info.to_json(), info.duration_s
        tracks = {"subtitle": [], "audio": []}  # type: dict[str, list[SidecarInput]]
        for n, sidecar in enumerate(plan.sidecars):
            path = scratch / f"{sidecar.kind}-{n}"
            self.blobs.download(sidecar.key, path)
            tracks[sidecar.kind].append(SidecarInput(sidecar.language, sidecar.label, path))
        ctx.progress(_FETCH, "transcoding")
        request = TranscodeRequest(
            source=source,
            out_dir=scratch / "out",
            prefix=plan.prefix,
            settings=self.settings,
            subtitles=tracks["subtitle"],
            audio=tracks["audio"],
        )
        return transcode(
            request,
            progress=lambda fraction: ctx.progress(_FETCH + _ENCODE * fraction),
            should_cancel=ctx.should_cancel,
        )

    def _upload(self, out: Path, prefix: str, ctx: JobContext) -> None:
        files = sorted(p for p in out.rglob("*") if p.is_file())
        # Playlists after the segments they list, the master last: an edge listing the prefix
        # early still never sees a playlist pointing at a missing file.
        files.sort(key=lambda p: (p.name == "master.m3u8", p.suffix == ".m3u8"))
        for n, path in enumerate(files, 1):
            if ctx.should_cancel():
                raise JobCanceled("stopped while publishing")
            self.blobs.put_file(f"{prefix}/{path.relative_to(out).as_posix()}", path)
            ctx.progress(_FETCH + _ENCODE + (1 - _FETCH - _ENCODE) * n / len(files))

    def _publish(self, plan: _Plan, job: JobRecord, manifest: Manifest) -> bool:
        """Make the new rendition set visible, all at once; False if superseded meanwhile."""
        with self.db.session() as s:
            asset = s.get(MediaAsset, plan.asset_id)
            if asset is None or asset.job_id != job.id:
                return False
            asset.manifest = manifest.to_json()
            asset.duration_s = manifest.duration_s
            asset.status, asset.error = "ready", None
            asset.ready_at = self.clock()
            return True

    def _delete_older_versions(self, plan: _Plan) -> None:
        """Remove rendition sets of earlier jobs and attempts (never a newer one in progress)."""
        older: set[str] = set()
        for key in self.blobs.list(f"media/{plan.asset_id}/"):
            folder = key.split("/")[2] if key.count("/") >= 3 else ""
            found = _VERSION.match(folder)
            if found and (int(found[1]), int(found[2])) < plan.version:
                older.add(folder)
        for folder in sorted(older):
            self.blobs.delete_prefix(f"media/{plan.asset_id}/{folder}/")

    def _record(self, asset_id: int, job: JobRecord, *, status: str, error: str | None) -> None:
        with self.db.session() as s:
            asset = s.get(MediaAsset, asset_id)
            if asset is not None and asset.job_id == job.id:
                asset.status, asset.error = status, error


def _missing(exc: BlobNotFound) -> str:
    # Retrying cannot bring back a deleted upload; say which file is gone.
    return f"the uploaded file is missing from the blob store ({exc.key})"
