"""A real, tiny HLS title for the browser tests: a 20 s test pattern with a tone, transcoded by
the media pipeline into a 240p + 360p ladder with an English WebVTT track, stored in the blob
store and published as a ready ``MediaAsset``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from marquee.clock import Clock
from marquee.config import MediaSettings
from marquee.domain.media import Manifest
from marquee.media.pipeline import TranscodeRequest, transcode
from marquee.media.runner import find_ffmpeg
from marquee.media.sidecars import SidecarInput
from marquee.storage.blob import BlobStore
from marquee.storage.db import Database
from marquee.storage.db.tables import MediaAsset

DURATION_S = 20
SUBTITLES = """WEBVTT

00:00:00.500 --> 00:00:09.000
Marquee test pattern, part one

00:00:09.000 --> 00:00:19.000
Marquee test pattern, part two
"""


@dataclass(frozen=True)
class Rendition:
    """A transcoded rendition set on local disk, ready to publish under any prefix."""

    folder: Path
    manifest: Manifest


def make_source(folder: Path) -> Path:
    """A 640x360 H.264/AAC source: moving test pattern and a 440 Hz tone."""
    source = folder / "source.mp4"
    lavfi = f"testsrc2=size=640x360:rate=25:duration={DURATION_S}"
    args = [
        find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", lavfi,
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION_S}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(source),
    ]  # fmt: skip
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return source


def make_clip(path: Path, *, seconds: int = 3) -> Path:
    """A tiny 320x180 H.264/AAC clip, as a producer would upload it."""
    lavfi = f"testsrc2=size=320x180:rate=25:duration={seconds}"
    args = [
        find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", lavfi,
        "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    ]  # fmt: skip
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return path


def transcode_title(folder: Path) -> Rendition:
    """Run the real pipeline once; the result is copied under each title's prefix."""
    source = make_source(folder)
    vtt = folder / "en.vtt"
    vtt.write_text(SUBTITLES)
    out = folder / "rendition"
    settings = MediaSettings(x264_preset="ultrafast")
    request = TranscodeRequest(
        source=source,
        out_dir=out,
        prefix="media/template",
        settings=settings,
        subtitles=[SidecarInput(language="en", label="English", path=vtt)],
    )
    return Rendition(out, transcode(request))


def publish(
    rendition: Rendition,
    *,
    db: Database,
    blobs: BlobStore,
    clock: Clock,
    title_id: int,
    episode_id: int | None = None,
) -> int:
    """Store the rendition under the item's own prefix and mark it ready; the asset id."""
    prefix = f"media/{title_id}/{episode_id or 0}/v1"
    for path in sorted(rendition.folder.rglob("*")):
        if path.is_file():
            blobs.put_file(f"{prefix}/{path.relative_to(rendition.folder).as_posix()}", path)
    manifest = {**rendition.manifest.to_json(), "prefix": prefix}
    now = clock()
    with db.session() as s:
        asset = MediaAsset(
            title_id=title_id,
            episode_id=episode_id,
            status="ready",
            source_key=f"sources/{title_id}/source.mp4",
            source_bytes=0,
            manifest=manifest,
            duration_s=rendition.manifest.duration_s,
            created_at=now,
            updated_at=now,
            ready_at=now,
        )
        s.add(asset)
        s.flush()
        return asset.id
