"""Every kind of source goes through the real pipeline; each rung is read back and checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.config import MediaSettings
from marquee.media.ffmpeg import filter_graph
from marquee.media.pipeline import TranscodeRequest, ladder_spec, transcode
from marquee.media.probe import probe
from tests.integration.media.readback import Expected, check_rendition_set

pytestmark = pytest.mark.slow

SHARED_VIDEOS = [
    "bbb-320x180-36s-remux-from-shaka-hls.mp4",
    "mdn-cc0-flower.mp4",
    "mdn-cc0-flower.webm",
    "mdn-cc0-friday.mp4",
    "mdn-rabbit320.mp4",
]


def run(source: Path, out: Path, settings: MediaSettings) -> tuple[Expected, list[str]]:
    info = probe(source)
    progress: list[float] = []
    manifest = transcode(
        TranscodeRequest(source, out, "media/7/v1", settings), progress=progress.append
    )
    expected = Expected(
        info.display_width, info.display_height, manifest.variants[0].frame_rate, info.has_audio
    )
    check_rendition_set(out, manifest, expected)
    assert manifest.prefix == "media/7/v1"
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    return expected, [f"{v.width}x{v.height}" for v in manifest.variants]


@pytest.mark.parametrize(
    ("name", "rungs"),
    [
        ("1080p", ["426x240", "640x360", "854x480", "1280x720", "1920x1080"]),
        (
            "2160p",
            ["426x240", "640x360", "854x480", "1280x720", "1920x1080", "2560x1440", "3840x2160"],
        ),
        ("portrait", ["240x426", "360x640", "480x854", "720x1280", "1080x1920"]),
        ("60fps", ["426x240", "640x360", "854x480", "1280x720"]),
        ("853x481", ["426x240", "638x360", "852x480"]),
        ("no-audio", ["426x240", "640x360"]),
        ("webm-vp8", ["320x240"]),
        ("rotated-phone", ["240x426", "360x640"]),
    ],
)
def test_generated_source_produces_a_correct_ladder(
    name: str,
    rungs: list[str],
    make_source: Callable[[str], Path],
    media_settings: MediaSettings,
    tmp_path: Path,
) -> None:
    expected, produced = run(make_source(name), tmp_path / "out", media_settings)
    assert produced == rungs
    if name == "60fps":
        assert expected.frame_rate == 60.0
    if name == "no-audio":
        assert not expected.has_audio


@pytest.mark.parametrize("file_name", SHARED_VIDEOS)
def test_shared_video_produces_a_correct_ladder(
    file_name: str, shared_data: Path, media_settings: MediaSettings, tmp_path: Path
) -> None:
    expected, produced = run(shared_data / "videos" / file_name, tmp_path / "out", media_settings)
    assert produced
    assert expected.has_audio


def test_interlaced_source_is_deinterlaced(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    source = make_source("interlaced")
    info = probe(source)
    assert info.interlaced
    out = tmp_path / "out"
    assert "bwdif=" in filter_graph(ladder_spec(source, out, info, media_settings))
    manifest = transcode(TranscodeRequest(source, out, "p", media_settings))
    expected = Expected(320, 240, 30.0, has_audio=False)
    check_rendition_set(out, manifest, expected)
