"""Shared by the worker tests: a tiny real source, a transcode runner, and a published-set check."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.bootstrap import Container
from marquee.domain.media import Manifest
from marquee.media.errors import TranscodeFailed
from marquee.media.runner import find_ffmpeg
from marquee.services.transcode_job import TranscodeJob
from marquee.storage.blob import BlobStore
from marquee.storage.jobs import JobContext, JobHandler, JobRecord
from marquee.worker import JobRunner
from tests.services import services_required

_MAP_URI = re.compile(r'#EXT-X-MAP:.*URI="([^"]+)"')

Wrapper = Callable[[JobHandler], JobHandler]


def ffmpeg_or_skip() -> str:
    try:
        return find_ffmpeg()
    except TranscodeFailed as missing:
        if services_required():
            pytest.fail(f"{missing} and MARQUEE_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(str(missing))


def make_source(folder: Path, *, seconds: int = 2, size: str = "320x240") -> bytes:
    """A tiny H.264/AAC MP4 made with ffmpeg's test pattern and a tone; returns its bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"source-{size}-{seconds}s.mp4"
    if not path.exists():
        args = [
            ffmpeg_or_skip(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(path),
        ]  # fmt: skip
        subprocess.run(args, check=True, capture_output=True, timeout=120)
    return path.read_bytes()


def transcode_runner(
    container: Container,
    work_dir: Path,
    *,
    lease_s: float = 30.0,
    wrap: Wrapper | None = None,
) -> JobRunner:
    """A job runner with the real transcode handler (ultrafast x264, to stay quick)."""
    media = container.settings.media.model_copy(update={"x264_preset": "ultrafast"})
    handler: JobHandler = TranscodeJob(
        db=container.db, blobs=container.blobs, settings=media, work_dir=work_dir
    )
    handlers = {"transcode": wrap(handler) if wrap else handler}
    return JobRunner("test-jobs", container.jobs, handlers, lease_s=lease_s, poll_s=0.05)


def run_one(runner: JobRunner, stop: threading.Event | None = None) -> JobRecord:
    """Claim the next transcode job and run it in this thread; return the job as claimed."""
    job = runner.queue.claim(runner.owner, ["transcode"], lease_s=runner.lease_s)
    assert job is not None, "no transcode job was queued"
    runner.execute(job, stop or threading.Event())
    return job


def published_keys(blobs: BlobStore, manifest: Manifest) -> list[str]:
    """Every key the published set references (master, playlists, segments, poster,
    thumbnails), checked to exist; fails if any is missing."""
    prefix = manifest.prefix
    keys = [f"{prefix}/{manifest.master}"]
    playlists = [v.playlist for v in manifest.variants] + [a.playlist for a in manifest.audio]
    for playlist in playlists:
        keys.append(f"{prefix}/{playlist}")
        folder = playlist.rsplit("/", 1)[0]
        text = blobs.get_bytes(f"{prefix}/{playlist}").decode()
        uris = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert uris, f"{playlist} lists no segments"
        keys += [f"{prefix}/{folder}/{uri}" for uri in uris]
        keys += _map_uris(text, f"{prefix}/{folder}")
    for extra in (manifest.poster, manifest.thumbnails_vtt):
        if extra:
            keys.append(f"{prefix}/{extra}")
    missing = [key for key in keys if not blobs.exists(key)]
    assert not missing, f"published manifest references missing files: {missing[:5]}"
    return keys


def _map_uris(playlist: str, folder: str) -> list[str]:
    return [f"{folder}/{uri}" for uri in _MAP_URI.findall(playlist)]


def after_cancel_request(request: Callable[[JobRecord], None]) -> Wrapper:
    """Wrap a handler so ``request(job)`` runs first and the handler starts only once the
    worker has noticed (``should_cancel()``): a deterministic "canceled mid-run"."""

    def wrap(handler: JobHandler) -> JobHandler:
        def run(job: JobRecord, ctx: JobContext) -> None:
            request(job)
            for _ in range(500):
                if ctx.should_cancel():
                    break
                threading.Event().wait(0.02)
            handler(job, ctx)

        return run

    return wrap
