"""ProbeResult: display size after rotation and pixel aspect, JSON round trip, errors."""

from __future__ import annotations

from marquee.errors import InvalidInput
from marquee.media.errors import UnsupportedMedia
from marquee.media.probe import AudioStreamInfo, ProbeResult


def result(**changes: object) -> ProbeResult:
    values: dict[str, object] = {
        "container": "mov,mp4,m4a,3gp,3g2,mj2",
        "duration_s": 12.5,
        "video_codec": "h264",
        "width": 1920,
        "height": 1080,
        "rotation": 0,
        "frame_rate": 29.97,
        "pixel_format": "yuv420p",
        "bit_rate": 5_000_000,
        "audio": (AudioStreamInfo(0, "aac", 2, 48000, "en"),),
    }
    values.update(changes)
    return ProbeResult(**values)  # type: ignore[arg-type]


def test_rotated_phone_video_displays_portrait() -> None:
    probe = result(rotation=90)
    assert (probe.display_width, probe.display_height) == (1080, 1920)


def test_upside_down_video_keeps_its_size() -> None:
    probe = result(rotation=180)
    assert (probe.display_width, probe.display_height) == (1920, 1080)


def test_anamorphic_pixels_widen_the_picture() -> None:
    probe = result(width=720, height=576, sample_aspect_ratio=(16, 11))
    assert (probe.display_width, probe.display_height) == (1047, 576)


def test_json_round_trip() -> None:
    probe = result(sample_aspect_ratio=(4, 3))
    assert ProbeResult.from_json(probe.to_json()) == probe
    assert probe.has_audio


def test_unsupported_media_is_a_422_naming_the_file_field() -> None:
    error = UnsupportedMedia("the file is empty (0 bytes)")
    assert isinstance(error, InvalidInput)
    assert error.status == 422
    assert [(p.field, p.reason) for p in error.problems] == [
        ("file", "the file is empty (0 bytes)")
    ]
