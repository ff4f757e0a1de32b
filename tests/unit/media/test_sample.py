"""The demo's generated sample clip: its ffmpeg arguments and its captions."""

from __future__ import annotations

from pathlib import Path

from marquee.media.sample import sample_clip_args, sample_subtitles


def test_sample_clip_is_h264_aac_of_the_asked_size_and_length() -> None:
    args = sample_clip_args("ffmpeg", Path("/tmp/x.mp4"), seconds=12, width=854, height=480)
    assert "testsrc2=size=854x480:rate=25:duration=12" in args
    assert args[args.index("-c:v") + 1] == "libx264"
    assert args[args.index("-c:a") + 1] == "aac"
    assert args[-1] == "/tmp/x.mp4"


def test_sample_subtitles_are_webvtt_cues_covering_the_clip() -> None:
    text = sample_subtitles(10, every_s=4)
    assert text.startswith("WEBVTT\n")
    assert "00:00:08.000 --> 00:00:10.000" in text
    assert text.count("-->") == 3
