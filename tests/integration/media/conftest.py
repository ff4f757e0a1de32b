"""Fixtures for the media pipeline tests: an ffmpeg binary, tiny generated sources, test settings.

Sources are made once per session with ffmpeg's lavfi test patterns (2-5 s each) and kept in a
session temporary folder; ``ultrafast`` x264 keeps each transcode to a few seconds on 2 cores.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.config import MediaSettings
from marquee.media.errors import TranscodeFailed
from marquee.media.runner import find_ffmpeg
from tests.services import services_required

_SINE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

# name -> (file name, ffmpeg arguments between the binary and the output path)
SOURCES: dict[str, tuple[str, list[str]]] = {
    "1080p": ("1080p.mp4", ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", *_SINE,
                            "-t", "5", *_X264, "-c:a", "aac"]),
    "2160p": ("2160p.mp4", ["-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=30", *_SINE,
                            "-t", "2", *_X264, "-crf", "30", "-c:a", "aac"]),
    "portrait": ("portrait.mp4", ["-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=30", *_SINE,
                                  "-t", "3", *_X264, "-c:a", "aac"]),
    "60fps": ("60fps.mp4", ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=60", *_SINE,
                            "-t", "3", *_X264, "-c:a", "aac"]),
    # testsrc (RGB) keeps odd sizes; 4:4:4 lets x264 store them.
    "853x481": ("odd.mp4", ["-f", "lavfi", "-i", "testsrc=size=853x481:rate=25", *_SINE,
                            "-t", "3", "-c:v", "libx264", "-preset", "ultrafast",
                            "-pix_fmt", "yuv444p", "-c:a", "aac"]),
    "no-audio": ("noaudio.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                                 "-t", "3", *_X264]),
    "webm-vp8": ("vp8.webm", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", *_SINE,
                              "-t", "3", "-c:v", "libvpx", "-deadline", "realtime",
                              "-cpu-used", "16", "-b:v", "300k", "-c:a", "libvorbis"]),
    "rotated-phone": ("rotated.mp4", ["-display_rotation", "90", "-f", "lavfi", "-i",
                                      "testsrc2=size=640x360:rate=30", *_SINE, "-t", "2",
                                      *_X264, "-c:a", "aac"]),
    "interlaced": ("interlaced.mp4", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                                      "-t", "2", "-vf", "setfield=tff", *_X264,
                                      "-flags", "+ildct+ilme", "-x264-params", "interlaced=1"]),
    "spanish-audio": ("es.m4a", ["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100",
                                 "-t", "3", "-c:a", "aac"]),
}  # fmt: skip


@pytest.fixture(scope="session")
def ffmpeg_bin() -> str:
    try:
        return find_ffmpeg()
    except TranscodeFailed as missing:
        if services_required():
            pytest.fail(f"{missing} and MARQUEE_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(str(missing))


def _generator(ffmpeg_bin: str) -> str:
    """The ffmpeg that makes test sources: the imageio-ffmpeg build when installed (7.x or later,
    which has ``-display_rotation``), so sources are the same whatever ffmpeg is on PATH."""
    try:
        import imageio_ffmpeg  # type: ignore[import-untyped]

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return ffmpeg_bin


@pytest.fixture(scope="session")
def make_source(ffmpeg_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``make_source("1080p")`` -> the path of that generated source, made on first use."""
    folder = tmp_path_factory.mktemp("sources")
    generator = _generator(ffmpeg_bin)

    def make(name: str) -> Path:
        file_name, args = SOURCES[name]
        path = folder / file_name
        if not path.exists():
            # -display_rotation is an input option of the re-muxed file, so rotate in two steps.
            if args[0] == "-display_rotation":
                plain = folder / f"plain-{file_name}"
                _ffmpeg(generator, args[2:], plain)
                _ffmpeg(generator, [*args[:2], "-i", str(plain), "-c", "copy"], path)
            else:
                _ffmpeg(generator, [*args, "-shortest"], path)
        return path

    return make


def _ffmpeg(ffmpeg: str, args: list[str], out: Path) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args, str(out)],
        check=True,
        timeout=120,
    )


@pytest.fixture
def media_settings() -> MediaSettings:
    return MediaSettings(x264_preset="ultrafast")
