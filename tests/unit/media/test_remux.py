"""The download remux: a stream copy into a progressive MP4, never a re-encode."""

from __future__ import annotations

from pathlib import Path

from marquee.media.remux import remux_args


def test_remux_copies_streams_into_a_faststart_mp4() -> None:
    args = remux_args("ffmpeg", Path("/w/index.m3u8"), Path("/w/out.mp4"))
    assert args[0] == "ffmpeg"
    assert args[args.index("-i") + 1] == "/w/index.m3u8"
    assert args[args.index("-c") + 1] == "copy"
    assert args[args.index("-movflags") + 1] == "+faststart"
    assert args[args.index("-protocol_whitelist") + 1] == "file"  # no network reads
    assert args[-1] == "/w/out.mp4"
    assert "libx264" not in args
