"""The ffmpeg runner against a real ffmpeg: cancel, time limit, readable failures, progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.config import MediaSettings
from marquee.media.errors import TranscodeCanceled, TranscodeFailed
from marquee.media.pipeline import TranscodeRequest, transcode
from marquee.media.runner import ProgressParser, find_ffmpeg, run_ffmpeg

pytestmark = pytest.mark.slow


def endless(ffmpeg: str) -> list[str]:
    """An ffmpeg run that never ends by itself (an endless test pattern to nowhere)."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1",
            "-stats_period", "0.2", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10",
            "-f", "null", "-"]  # fmt: skip


def test_cancel_stops_ffmpeg_promptly(ffmpeg_bin: str) -> None:
    started = time.monotonic()
    with pytest.raises(TranscodeCanceled):
        run_ffmpeg(endless(ffmpeg_bin), should_cancel=lambda: time.monotonic() - started > 0.5)
    assert time.monotonic() - started < 5


def test_a_run_past_its_time_limit_fails_with_the_reason(ffmpeg_bin: str) -> None:
    with pytest.raises(TranscodeFailed, match="longer than its 1 s limit"):
        run_ffmpeg(endless(ffmpeg_bin), timeout_s=1)


def test_ffmpeg_failure_is_reported_with_its_own_words(ffmpeg_bin: str, tmp_path: Path) -> None:
    args = [ffmpeg_bin, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-i", f"file:{tmp_path / 'missing.mp4'}", "-f", "null", "-"]  # fmt: skip
    with pytest.raises(TranscodeFailed) as caught:
        run_ffmpeg(args)
    assert caught.value.reason.startswith("ffmpeg failed (exit status")
    assert "No such file or directory" in caught.value.reason


def test_progress_is_reported_from_frames(ffmpeg_bin: str) -> None:
    args = [ffmpeg_bin, "-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2",
            "-f", "null", "-"]  # fmt: skip
    seen: list[float] = []
    run_ffmpeg(args, parser=ProgressParser(total_frames=50), progress=seen.append)
    assert seen[-1] == 1.0


def test_transcode_cancel_raises_and_publishes_no_master(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    seen: list[float] = []
    request = TranscodeRequest(make_source("1080p"), tmp_path / "out", "p", media_settings)
    with pytest.raises(TranscodeCanceled):
        transcode(request, progress=seen.append, should_cancel=lambda: bool(seen))
    assert not (tmp_path / "out" / "master.m3u8").exists()


def test_a_configured_ffmpeg_path_that_is_not_executable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TranscodeFailed, match="is not an executable file"):
        find_ffmpeg(str(tmp_path / "ffmpeg"))


def test_a_configured_ffmpeg_path_is_used(ffmpeg_bin: str) -> None:
    assert find_ffmpeg(ffmpeg_bin) == ffmpeg_bin


def test_a_missing_binary_fails_readably(tmp_path: Path) -> None:
    with pytest.raises(TranscodeFailed, match="could not be started"):
        run_ffmpeg([str(tmp_path / "no-ffmpeg"), "-version"])
