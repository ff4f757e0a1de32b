"""The one place Marquee runs ffmpeg: find the binary, run it, report progress, stop it on request.

Progress comes from ``-progress pipe:1`` (key=value blocks on stdout); errors from the tail of
stderr (ffmpeg runs at ``-loglevel error``, so the tail is the reason). A run that is canceled,
times out or raises from a callback never leaves ffmpeg behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from marquee.media.errors import TranscodeCanceled, TranscodeFailed

_POLL_S = 0.1
_STOP_GRACE_S = 3.0
_TAIL_LINES = 30
_REASON_LINES = 3
_REASON_CHARS = 600


def find_ffmpeg(configured: str = "") -> str:
    """``configured`` if set, else ``ffmpeg`` on PATH, else the imageio-ffmpeg wheel's binary."""
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise TranscodeFailed(f"media.ffmpeg_path {configured!r} is not an executable file")
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg  # type: ignore[import-untyped]
    except ImportError:
        imageio_ffmpeg = None
    if imageio_ffmpeg is not None:
        try:
            return str(imageio_ffmpeg.get_ffmpeg_exe())
        except RuntimeError:
            pass
    raise TranscodeFailed(
        "no ffmpeg found: set media.ffmpeg_path, put ffmpeg on PATH or install imageio-ffmpeg"
    )


@dataclass
class ProgressParser:
    """Turns ``-progress`` blocks into a 0..1 fraction of the work.

    Counting encoded frames of the first video output against the expected total is exact even
    when other outputs (thumbnails) lag; ``out_time_us`` is used for audio-only runs.
    """

    total_frames: int | None = None
    duration_s: float | None = None
    _frame: int | None = None
    _out_time_s: float | None = None

    def feed(self, line: str) -> float | None:
        """Take one stdout line; at the end of a block return the fraction done, else None."""
        key, _, value = line.strip().partition("=")
        if key == "frame" and value.isdigit():
            self._frame = int(value)
        elif key == "out_time_us" and value.lstrip("-").isdigit():
            self._out_time_s = int(value) / 1_000_000
        elif key == "progress":
            return 1.0 if value == "end" else self.fraction()
        return None

    def fraction(self) -> float | None:
        if self.total_frames and self._frame is not None:
            return min(1.0, self._frame / self.total_frames)
        if self.duration_s and self._out_time_s is not None:
            return min(1.0, max(0.0, self._out_time_s / self.duration_s))
        return None


def run_ffmpeg(
    args: Sequence[str],
    *,
    parser: ProgressParser | None = None,
    progress: Callable[[float], None] = lambda fraction: None,
    should_cancel: Callable[[], bool] = lambda: False,
    timeout_s: float = 3600.0,
) -> None:
    """Run ffmpeg to completion; ``progress`` and ``should_cancel`` are called on this thread.

    Raises ``TranscodeCanceled`` when ``should_cancel()`` turns true and ``TranscodeFailed`` on a
    non-zero exit (with ffmpeg's last error lines) or past ``timeout_s``.
    """
    parser = parser or ProgressParser()
    proc = _start(args)
    assert proc.stdout is not None
    assert proc.stderr is not None
    fractions: deque[float] = deque()
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    readers = [
        _reader(proc.stdout, lambda line: _feed(parser, line, fractions)),
        _reader(proc.stderr, tail.append),
    ]
    try:
        _supervise(proc, fractions, progress, should_cancel, timeout_s)
    finally:
        if proc.poll() is None:
            _stop(proc)
        for reader in readers:
            reader.join(timeout=_STOP_GRACE_S)
        proc.stdout.close()
        proc.stderr.close()
    _report(fractions, progress)
    if proc.returncode != 0:
        raise TranscodeFailed(failure_reason(proc.returncode, list(tail)))


def _start(args: Sequence[str]) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise TranscodeFailed(f"ffmpeg could not be started: {error.strerror or error}") from None


def _supervise(
    proc: subprocess.Popen[str],
    fractions: deque[float],
    progress: Callable[[float], None],
    should_cancel: Callable[[], bool],
    timeout_s: float,
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            proc.wait(timeout=_POLL_S)
            return
        except subprocess.TimeoutExpired:
            pass
        _report(fractions, progress)
        if should_cancel():
            _stop(proc)
            raise TranscodeCanceled("the transcode was canceled")
        if time.monotonic() > deadline:
            _stop(proc)
            raise TranscodeFailed(
                f"ffmpeg ran longer than its {timeout_s:.0f} s limit and was stopped"
            )


def _feed(parser: ProgressParser, line: str, fractions: deque[float]) -> None:
    fraction = parser.feed(line)
    if fraction is not None:
        fractions.append(fraction)


def _report(fractions: deque[float], progress: Callable[[float], None]) -> None:
    latest: float | None = None
    while fractions:
        latest = fractions.popleft()
    if latest is not None:
        progress(latest)


def _reader(stream: IO[str], sink: Callable[[str], None]) -> threading.Thread:
    def pump() -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    thread = threading.Thread(target=pump, name="ffmpeg-pipe", daemon=True)
    thread.start()
    return thread


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM lets ffmpeg close its files; SIGKILL if it does not exit within the grace period."""
    proc.terminate()
    try:
        proc.wait(timeout=_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def failure_reason(returncode: int, stderr_tail: Sequence[str]) -> str:
    """A one-paragraph reason: how ffmpeg ended and its last few error lines."""
    how = (
        f"ffmpeg was killed by signal {-returncode}"
        if returncode < 0
        else f"ffmpeg failed (exit status {returncode})"
    )
    lines = [line.strip() for line in stderr_tail if line.strip()][-_REASON_LINES:]
    if not lines:
        return how
    detail = " | ".join(lines)
    if len(detail) > _REASON_CHARS:
        detail = "…" + detail[-_REASON_CHARS:]
    return f"{how}: {detail}"
