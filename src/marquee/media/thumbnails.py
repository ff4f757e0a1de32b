"""Poster frame and scrub thumbnails: where they are taken, how big, and the WebVTT sprite index.

The thumbnails are cut during the ladder's ffmpeg run (one small JPEG every ``interval_s``), then
tiled into one sprite image; ``render_thumbnails_vtt`` writes the WebVTT file whose cues point
into the sprite with ``#xywh=`` media fragments, the form hls.js-based players and video.js read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from marquee.media.ladder import scaled_size

POSTER_AT_SHARE = 0.10
POSTER_MAX_SHORT_SIDE = 720
THUMB_LONG_SIDE = 160
THUMB_MIN_INTERVAL_S = 2
# Beyond this many thumbnails the interval grows instead: one sprite stays a few MB.
THUMB_MAX_COUNT = 600
SPRITE_COLUMNS = 10


@dataclass(frozen=True)
class PosterPlan:
    time_s: float
    width: int
    height: int


@dataclass(frozen=True)
class ThumbnailPlan:
    """Thumbnails every ``interval_s`` seconds, each ``width`` x ``height``, ``columns`` a row."""

    interval_s: int
    width: int
    height: int
    columns: int
    count: int  # how many the source's duration yields (the last may fall short of a full step)

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))


def plan_poster(duration_s: float, display_width: int, display_height: int) -> PosterPlan:
    """A poster at 10 % of the running time (past opening black), at most 720 on its short side."""
    short = min(display_width, display_height, POSTER_MAX_SHORT_SIDE) // 2 * 2
    width, height = scaled_size(display_width, display_height, max(2, short))
    return PosterPlan(time_s=round(duration_s * POSTER_AT_SHARE, 3), width=width, height=height)


def plan_thumbnails(duration_s: float, display_width: int, display_height: int) -> ThumbnailPlan:
    interval = max(THUMB_MIN_INTERVAL_S, math.ceil(duration_s / THUMB_MAX_COUNT))
    long_src = max(display_width, display_height)
    short_src = min(display_width, display_height)
    short = max(2, 2 * round(THUMB_LONG_SIDE * short_src / long_src / 2))
    width, height = (
        (THUMB_LONG_SIDE, short) if display_width >= display_height else (short, THUMB_LONG_SIDE)
    )
    count = max(1, math.ceil(duration_s / interval))
    columns = min(SPRITE_COLUMNS, count)
    return ThumbnailPlan(interval, width, height, columns, count)


def render_thumbnails_vtt(
    plan: ThumbnailPlan, count: int, duration_s: float, sprite: str = "sprite.jpg"
) -> str:
    """WebVTT cues, one per thumbnail: ``[k*interval, (k+1)*interval)`` -> its tile in ``sprite``.

    ``count`` is how many thumbnails ffmpeg actually produced (the tiles in the sprite).
    """
    lines = ["WEBVTT", ""]
    for k in range(count):
        start = k * plan.interval_s
        if start >= duration_s:
            break
        end = min((k + 1) * plan.interval_s, duration_s)
        x = (k % plan.columns) * plan.width
        y = (k // plan.columns) * plan.height
        lines += [
            f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}",
            f"{sprite}#xywh={x},{y},{plan.width},{plan.height}",
            "",
        ]
    return "\n".join(lines)


def vtt_timestamp(seconds: float) -> str:
    """``hh:mm:ss.ttt``, the WebVTT timestamp form."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
