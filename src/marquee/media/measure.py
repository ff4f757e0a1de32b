"""Read an encoded rendition back: its real bit rates, its codec string and where its clock starts.

The manifest's BANDWIDTH / AVERAGE-BANDWIDTH / CODECS come from here, measured on the segments
written, not from the encoder settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from marquee.media.errors import TranscodeFailed
from marquee.media.hls import (
    avc1_codec,
    average_bitrate,
    find_sps,
    parse_media_playlist,
    peak_bitrate,
)


@dataclass(frozen=True)
class Measured:
    bandwidth: int  # peak, bits/s
    average_bandwidth: int  # bits/s
    video_codec: str | None  # e.g. "avc1.64001f"; None for audio-only renditions
    start_pts: int  # 90 kHz MPEG-TS timestamp of the first sample (for X-TIMESTAMP-MAP)
    duration_s: float


def measure_rendition(playlist: Path, target_duration_s: float) -> Measured:
    """Measure the media playlist at ``playlist`` and the segments beside it."""
    segments = parse_media_playlist(playlist.read_text())
    if not segments:
        raise TranscodeFailed(f"{playlist.parent.name}: ffmpeg wrote no segments")
    sized = [(s.duration_s, (playlist.parent / s.uri).stat().st_size) for s in segments]
    codec, start = _first_segment_facts(playlist.parent / segments[0].uri)
    return Measured(
        bandwidth=peak_bitrate(sized, target_duration_s),
        average_bandwidth=average_bitrate(sized),
        video_codec=codec,
        start_pts=start,
        duration_s=sum(d for d, _ in sized),
    )


def _first_segment_facts(segment: Path) -> tuple[str | None, int]:
    with av.open(str(segment), mode="r") as container:
        starts = [s.start_time for s in container.streams if s.start_time is not None]
        start = min(starts) if starts else 0
        if not container.streams.video:
            return None, start
        for packet in container.demux(video=0):
            sps = find_sps(bytes(packet))
            if sps is not None:
                return avc1_codec(sps), start
    raise TranscodeFailed(f"{segment.parent.name}: the first segment has no H.264 parameter set")
