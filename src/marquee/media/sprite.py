"""Tile the scrub thumbnails the ladder run cut into one sprite JPEG, in process (PyAV + numpy).

In process rather than a second ffmpeg run: starting ffmpeg costs ~0.1 s, more than the tiling,
and on a short source that was the whole difference between the pipeline and the bare ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from marquee.media.errors import TranscodeFailed
from marquee.media.thumbnails import ThumbnailPlan


def tile_positions(count: int, plan: ThumbnailPlan) -> list[tuple[int, int]]:
    """(x, y) of each thumbnail's top-left corner in the sprite, row by row."""
    columns = plan.columns
    return [((n % columns) * plan.width, (n // columns) * plan.height) for n in range(count)]


def tile_sprite(singles: Sequence[Path], plan: ThumbnailPlan, out: Path) -> None:
    """Write ``out``: ``plan.columns`` thumbnails a row, black where the last row runs short."""
    rows = max(1, -(-len(singles) // plan.columns))
    canvas = np.zeros((rows * plan.height, plan.columns * plan.width, 3), np.uint8)
    for (x, y), single in zip(tile_positions(len(singles), plan), singles, strict=True):
        image = _decode(single)[: plan.height, : plan.width]
        canvas[y : y + image.shape[0], x : x + image.shape[1]] = image
    _encode_jpeg(canvas, out)


def _decode(path: Path) -> NDArray[np.uint8]:
    try:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    except (av.FFmpegError, StopIteration) as error:
        raise TranscodeFailed(f"a scrub thumbnail could not be read: {error}") from None


def _encode_jpeg(canvas: NDArray[np.uint8], out: Path) -> None:
    with av.open(str(out), "w", format="image2") as container:
        stream = container.add_stream("mjpeg")
        stream.height, stream.width = canvas.shape[0], canvas.shape[1]
        stream.pix_fmt = "yuvj420p"
        stream.codec_context.qmin, stream.codec_context.qmax = 2, 5  # what -q:v 5 gave before
        frame = av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format="yuvj420p")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
