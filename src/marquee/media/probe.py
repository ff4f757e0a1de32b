"""Read what a media file holds (container, streams, rotation); refuse what is not a video.

Probing opens the file with PyAV (libav* linked into the ``av`` wheel), so it needs no ffprobe.
A file passes only if a video frame decodes at its start and another near its declared end: a
file named ``.mp4`` that holds text, an empty file, a truncated MP4, audio alone or a still image
are refused with an ``UnsupportedMedia`` whose reason a producer can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import av.stream
import av.video.stream

from marquee.media.errors import UnsupportedMedia

MIN_DURATION_S = 0.5
MAX_DIMENSION = 8192
# A file whose video ends this much before its declared duration was cut short. A stream's own
# duration is exact (legitimate files end within a frame of it); a container's may include a
# longer audio track, so it gets more slack.
STREAM_TOLERANCE_S = 0.25
CONTAINER_TOLERANCE_S = 1.5
# Demuxers that read still images; a single picture is not something to stream.
_IMAGE_FORMATS = frozenset({"image2", "gif", "apng", "webp", "png", "mjpeg"})
_MP4_BRANDS = (b"ftyp", b"moov", b"mdat", b"wide", b"free")


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream of the source, as found."""

    index: int
    codec: str
    channels: int
    sample_rate: int
    language: str | None  # ISO 639 code from the container, None when untagged ("und")


@dataclass(frozen=True)
class ProbeResult:
    """What the source holds. ``width``/``height`` are the stored picture size; the display size
    applies the sample aspect ratio and the rotation (see ``display_width``/``display_height``)."""

    container: str  # demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"
    duration_s: float
    video_codec: str
    width: int
    height: int
    rotation: int  # degrees the player turns the picture counter-clockwise: 0, 90, 180 or 270
    frame_rate: float
    pixel_format: str | None
    bit_rate: int | None  # whole-file bits/s as the container declares it
    sample_aspect_ratio: tuple[int, int] = (1, 1)
    audio: tuple[AudioStreamInfo, ...] = field(default=())
    video_index: int = 0  # the video stream's index in the container (cover art may come first)
    interlaced: bool = False  # the first frame is interlaced: the ladder deinterlaces

    @property
    def display_width(self) -> int:
        return self._display_size()[0]

    @property
    def display_height(self) -> int:
        return self._display_size()[1]

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    def _display_size(self) -> tuple[int, int]:
        num, den = self.sample_aspect_ratio
        width = round(self.width * num / den) if num > 0 and den > 0 else self.width
        if self.rotation in (90, 270):
            return self.height, width
        return width, self.height

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbeResult:
        values = dict(data)
        values["sample_aspect_ratio"] = tuple(values.get("sample_aspect_ratio", (1, 1)))
        values["audio"] = tuple(AudioStreamInfo(**a) for a in values.get("audio", ()))
        return cls(**values)


def probe(path: Path) -> ProbeResult:
    """Probe ``path``; raise ``UnsupportedMedia`` unless it is a decodable video."""
    if not path.is_file():
        raise UnsupportedMedia("the file is missing")
    if path.stat().st_size == 0:
        raise UnsupportedMedia("the file is empty (0 bytes)")
    with _open(path) as container:
        stream = _video_stream(container)
        first = _first_frame(container, stream)
        duration, exact = _declared_duration(container, stream)
        if duration < MIN_DURATION_S:
            raise UnsupportedMedia(
                f"the video is too short ({duration:.2f} s); the minimum is {MIN_DURATION_S} s"
            )
        _check_complete(container, stream, duration, exact=exact)
        return _result(container, stream, first, duration)


@dataclass(frozen=True)
class _FirstFrame:
    width: int
    height: int
    rotation: int
    pixel_format: str | None
    interlaced: bool


def _open(path: Path) -> av.container.InputContainer:
    try:
        # An absolute path: a name like "http:x.mp4" must not be read as a protocol.
        return av.open(str(path.resolve()), mode="r")
    except av.error.InvalidDataError:
        if _looks_like_mp4(path):
            raise UnsupportedMedia(
                "the file is truncated or damaged: its MP4 index (moov atom) is missing"
            ) from None
        raise UnsupportedMedia("the file is not a video: its format was not recognised") from None
    except av.error.FFmpegError as error:
        raise UnsupportedMedia(f"the file cannot be read: {_describe(error)}") from None


def _looks_like_mp4(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(12)
    return len(head) >= 8 and head[4:8] in _MP4_BRANDS


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if container.format.name in _IMAGE_FORMATS or container.format.name.endswith("_pipe"):
        raise UnsupportedMedia("the file is a still image, not a video")
    # Cover art in audio files is a one-picture "video" stream flagged attached_pic.
    videos = [s for s in container.streams.video if not _is_attached_picture(s)]
    if not videos:
        if container.streams.audio:
            raise UnsupportedMedia("the file is not a video: it has audio but no video stream")
        raise UnsupportedMedia("the file is not a video: no decodable video stream")
    return videos[0]


def _is_attached_picture(stream: av.video.stream.VideoStream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> _FirstFrame:
    try:
        for frame in _decode(container, stream):
            pix = frame.format.name if frame.format is not None else None
            rotation = round(frame.rotation) % 360
            return _FirstFrame(frame.width, frame.height, rotation, pix, frame.interlaced_frame)
    except av.error.FFmpegError as error:
        raise UnsupportedMedia(
            f"the video stream ({stream.codec_context.name}) cannot be decoded: {_describe(error)}"
        ) from None
    raise UnsupportedMedia("the file is truncated or damaged: no video frame could be decoded")


def _decode(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        yield from packet.decode()


def _declared_duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> tuple[float, bool]:
    """The video's declared duration, and whether the stream itself declares it (exact)."""
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base), True
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base, False
    # No header says how long it is (some live-recorded WebM): find the last packet.
    end = _last_packet_end(container, stream, start_s=0.0)
    return (end or 0.0) - _start_s(stream), True


def _start_s(stream: av.video.stream.VideoStream) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _check_complete(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    duration: float,
    *,
    exact: bool,
) -> None:
    """Decode near the declared end; a cut file has no frames (or no packets) there."""
    tolerance = STREAM_TOLERANCE_S if exact else CONTAINER_TOLERANCE_S
    start = max(0.0, duration - tolerance - 2.0)
    try:
        end = _last_packet_end(container, stream, start_s=start)
    except av.error.FFmpegError as error:
        raise UnsupportedMedia(
            f"the file is truncated or damaged: reading it near its end failed ({_describe(error)})"
        ) from None
    found = 0.0 if end is None else end - _start_s(stream)
    if end is None or found < duration - tolerance:
        raise UnsupportedMedia(
            f"the file is truncated: its video stops at {found:.1f} s of the "
            f"{duration:.1f} s it declares"
        )


def _last_packet_end(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, *, start_s: float
) -> float | None:
    """Seek to ``start_s``, decode one frame there, then demux to the end: the last video time."""
    container.seek(int(start_s * av.time_base), backward=True, any_frame=False)
    tb = stream.time_base or Fraction(1, 90000)
    decoded = False
    end: float | None = None
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        if not decoded:
            decoded = bool(packet.decode())
        end = max(end or 0.0, float((packet.pts + (packet.duration or 0)) * tb))
    return end if decoded else None


def _result(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    first: _FirstFrame,
    duration: float,
) -> ProbeResult:
    cc = stream.codec_context
    width, height = cc.width or first.width, cc.height or first.height
    if min(width, height) < 16 or max(width, height) > MAX_DIMENSION:
        raise UnsupportedMedia(
            f"the video is {width}x{height}; sizes from 16 to {MAX_DIMENSION} pixels are supported"
        )
    sar = stream.sample_aspect_ratio or cc.sample_aspect_ratio
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return ProbeResult(
        container=container.format.name,
        duration_s=round(duration, 3),
        video_codec=cc.name,
        width=width,
        height=height,
        rotation=first.rotation,
        # 30 fps when nothing declares a rate: only ever seen in damaged variable-rate files.
        frame_rate=round(float(rate), 3) if rate else 30.0,
        pixel_format=first.pixel_format or cc.pix_fmt,
        bit_rate=container.bit_rate or None,
        sample_aspect_ratio=(sar.numerator, sar.denominator) if sar else (1, 1),
        audio=tuple(_audio_streams(container)),
        video_index=stream.index,
        interlaced=first.interlaced,
    )


def _audio_streams(container: av.container.InputContainer) -> Iterator[AudioStreamInfo]:
    for position, stream in enumerate(container.streams.audio):
        cc = stream.codec_context
        language = stream.language if stream.language not in (None, "", "und") else None
        yield AudioStreamInfo(
            index=position,
            codec=cc.name,
            channels=cc.channels,
            sample_rate=cc.sample_rate,
            language=language,
        )


def _describe(error: av.error.FFmpegError) -> str:
    return error.strerror or str(error)
