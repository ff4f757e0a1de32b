"""The adaptive-bitrate ladder: which rungs a source gets, their sizes, bit rates and frame rate.

Pure functions of the source's display size and frame rate. The rules, and why, are in
docs/media.md: rungs come from ``RUNGS`` up to the source's short side (never upscaled, at most
``max_height``); a rung names the short side of the picture, so a portrait 1080x1920 source's
"1080p" rung is 1080x1920; a source smaller than the lowest rung gets one rung at its own size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

# (short side in pixels, average video bit rate in kb/s) for H.264 at up to 30 fps.
RUNGS: tuple[tuple[int, int], ...] = (
    (240, 300),
    (360, 500),
    (480, 1000),
    (720, 2250),
    (1080, 4500),
    (1440, 9000),
    (2160, 20000),
)
# Above 30 fps each frame gets fewer bits at the same rate; 1.5x keeps 60 fps at about the
# per-frame quality of the 30 fps rung (x264 needs well under 2x: consecutive frames differ less).
HIGH_FRAME_RATE_FACTOR = 1.5
# VBV: the encoder may burst to 1.5x the average over a 2 s buffer, so no 4-6 s segment can
# exceed 2x the average (the HLS authoring spec's peak limit for VOD).
MAXRATE_FACTOR = 1.5
BUFSIZE_FACTOR = 2.0
MAX_FRAME_RATE = 60
# Frame rates the HLS authoring spec calls natural; a source within 1 % snaps to one of them.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)
_SNAP_TOLERANCE = 0.01


@dataclass(frozen=True)
class Rung:
    """One encoding of the ladder. ``name`` (e.g. "720p") is also its output folder."""

    name: str
    short_side: int
    width: int
    height: int
    video_kbps: int
    maxrate_kbps: int
    bufsize_kbps: int


@dataclass(frozen=True)
class Ladder:
    """Every rung, lowest first, with the frame rate and GOP they share."""

    rungs: tuple[Rung, ...]
    frame_rate: Fraction
    keyframe_interval_s: int

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.frame_rate * self.keyframe_interval_s))


def plan_ladder(
    display_width: int,
    display_height: int,
    frame_rate: float,
    *,
    max_height: int = 2160,
    keyframe_interval_s: int = 2,
) -> Ladder:
    """The ladder for a source whose picture is shown at ``display_width`` x ``display_height``."""
    if display_width < 2 or display_height < 2:
        raise ValueError(f"a {display_width}x{display_height} picture cannot be encoded")
    rate = output_frame_rate(frame_rate)
    factor = HIGH_FRAME_RATE_FACTOR if rate > 30 else 1.0
    short = min(display_width, display_height)
    chosen = [(side, kbps) for side, kbps in RUNGS if side <= short and side <= max_height]
    if not chosen:
        chosen = [_tiny_rung(short, max_height)]
    rungs = tuple(
        _rung(display_width, display_height, side, round(kbps * factor)) for side, kbps in chosen
    )
    return Ladder(rungs=rungs, frame_rate=rate, keyframe_interval_s=keyframe_interval_s)


def _tiny_rung(short: int, max_height: int) -> tuple[int, int]:
    """A source below the lowest rung keeps its own size, at a bit rate scaled by its area."""
    side = max(2, min(short, max_height) // 2 * 2)
    lowest_side, lowest_kbps = RUNGS[0]
    return side, max(100, round(lowest_kbps * (side / lowest_side) ** 2))


def _rung(display_width: int, display_height: int, side: int, kbps: int) -> Rung:
    width, height = scaled_size(display_width, display_height, side)
    return Rung(
        name=f"{side}p",
        short_side=side,
        width=width,
        height=height,
        video_kbps=kbps,
        maxrate_kbps=round(kbps * MAXRATE_FACTOR),
        bufsize_kbps=round(kbps * BUFSIZE_FACTOR),
    )


def scaled_size(display_width: int, display_height: int, short_side: int) -> tuple[int, int]:
    """The picture scaled so its short side is ``short_side``: aspect kept, both sides even.

    H.264 4:2:0 needs even sizes; the long side is rounded to the nearest even number, but never
    past the source's own (even) size, so nothing is upscaled by a rounding pixel.
    """
    landscape = display_width >= display_height
    long_src, short_src = (
        (display_width, display_height) if landscape else (display_height, display_width)
    )
    long_side = 2 * round(long_src * short_side / short_src / 2)
    long_side = max(2, min(long_side, max(2, long_src // 2 * 2)))
    return (long_side, short_side) if landscape else (short_side, long_side)


def output_frame_rate(source_fps: float) -> Fraction:
    """The frame rate every rung is encoded at: the source's, snapped to a natural rate.

    Above 60 fps (which the authoring spec forbids) it is divided by the smallest whole number
    that brings it to 60 or below, so frames are dropped evenly (120 -> 60, 100 -> 50).
    """
    if not math.isfinite(source_fps) or source_fps <= 0:
        raise ValueError(f"frame rate {source_fps} is not usable")
    fps = source_fps / math.ceil(source_fps / MAX_FRAME_RATE)
    nearest = min(STANDARD_RATES, key=lambda standard: abs(fps - float(standard)))
    if abs(fps - float(nearest)) <= float(nearest) * _SNAP_TOLERANCE:
        return nearest
    return Fraction(fps).limit_denominator(1001)
