"""What is not a decodable video is refused before ffmpeg runs, with a reason a producer reads."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.config import MediaSettings
from marquee.media.errors import UnsupportedMedia
from marquee.media.pipeline import TranscodeRequest, transcode
from marquee.media.probe import probe

pytestmark = pytest.mark.slow


def refused(path: Path) -> UnsupportedMedia:
    with pytest.raises(UnsupportedMedia) as caught:
        probe(path)
    assert caught.value.status == 422
    assert caught.value.field == "file"
    return caught.value


def test_text_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "movie.mp4"
    path.write_text("This is not a movie, it is a shopping list.\n" * 20)
    assert refused(path).reason == "the file is not a video: its format was not recognised"


def test_zero_byte_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "movie.mp4"
    path.write_bytes(b"")
    assert refused(path).reason == "the file is empty (0 bytes)"


def test_mp4_cut_before_its_index_is_truncated(
    make_source: Callable[[str], Path], tmp_path: Path
) -> None:
    data = make_source("1080p").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    assert refused(path).reason.startswith("the file is truncated or damaged")


def test_fast_start_mp4_cut_short_is_truncated(
    make_source: Callable[[str], Path], ffmpeg_bin: str, tmp_path: Path
) -> None:
    full = tmp_path / "faststart.mp4"
    subprocess.run(
        [ffmpeg_bin, "-loglevel", "error", "-i", str(make_source("1080p")), "-c", "copy",
         "-movflags", "+faststart", str(full)],
        check=True,
    )  # fmt: skip
    data = full.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) * 7 // 10])
    reason = refused(path).reason
    assert reason.startswith("the file is truncated: its video stops at"), reason
    assert "of the 5.0 s it declares" in reason


def test_audio_only_file_is_not_a_video(make_source: Callable[[str], Path]) -> None:
    reason = refused(make_source("spanish-audio")).reason
    assert reason == "the file is not a video: it has audio but no video stream"


def test_still_image_is_not_a_video(ffmpeg_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "poster.mp4"
    subprocess.run(
        [ffmpeg_bin, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240",
         "-frames:v", "1", "-f", "image2", "-c:v", "png", str(path)],
        check=True,
    )  # fmt: skip
    assert refused(path).reason == "the file is a still image, not a video"


def test_transcode_refuses_bad_input_without_writing_anything(
    tmp_path: Path, media_settings: MediaSettings
) -> None:
    source = tmp_path / "movie.mp4"
    source.write_text("not a movie")
    out = tmp_path / "out"
    with pytest.raises(UnsupportedMedia):
        transcode(TranscodeRequest(source, out, "p", media_settings))
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        ("rotated-phone", (640, 360, 90, 360, 640)),
        ("853x481", (853, 481, 0, 853, 481)),
        ("webm-vp8", (320, 240, 0, 320, 240)),
    ],
)
def test_probe_reads_size_rotation_and_streams(
    name: str, facts: tuple[int, ...], make_source: Callable[[str], Path]
) -> None:
    info = probe(make_source(name))
    assert (
        info.width,
        info.height,
        info.rotation,
        info.display_width,
        info.display_height,
    ) == facts
    assert info.has_audio
    assert info.duration_s > 1.5


def test_probe_reads_codecs_rate_and_audio_language_of_a_real_file(shared_data: Path) -> None:
    info = probe(shared_data / "videos" / "mdn-rabbit320.mp4")
    assert (info.video_codec, info.frame_rate, info.pixel_format) == ("h264", 30.0, "yuv420p")
    assert info.container.startswith("mov,mp4")
    assert [(a.codec, a.channels, a.language) for a in info.audio] == [("aac", 2, "eng")]
    webm = probe(shared_data / "videos" / "mdn-cc0-flower.webm")
    assert (webm.container, webm.video_codec, webm.audio[0].codec) == (
        "matroska,webm",
        "vp8",
        "vorbis",
    )
