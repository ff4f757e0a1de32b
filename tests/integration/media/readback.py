"""Read a transcoded rendition set back with PyAV and check it against the HLS rules we promise.

Each check states one rule (sizes even and aspect kept, an IDR every keyframe interval and at
every segment start, 4-6 s segments, peak at most twice the average, a complete master).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import av

from marquee.domain.media import Manifest, Variant
from marquee.media.hls import MediaSegment, parse_media_playlist

_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:(.*)\n(.*)\n")
_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_IDR = 5


@dataclass(frozen=True)
class Expected:
    display_width: int
    display_height: int
    frame_rate: float
    has_audio: bool


def check_rendition_set(out: Path, manifest: Manifest, expected: Expected) -> None:
    check_master(out, manifest, expected)
    for variant in manifest.variants:
        check_variant(out, manifest, variant, expected)


def check_master(out: Path, manifest: Manifest, expected: Expected) -> None:
    text = (out / manifest.master).read_text()
    assert text.startswith("#EXTM3U\n")
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text
    entries = _STREAM_INF.findall(text)
    assert [uri for _, uri in entries] == [v.playlist for v in manifest.variants]
    for (attrs, uri), variant in zip(entries, manifest.variants, strict=True):
        found = dict(_ATTR.findall(attrs))
        assert int(found["BANDWIDTH"]) == variant.bandwidth
        assert int(found["AVERAGE-BANDWIDTH"]) == variant.average_bandwidth
        assert found["RESOLUTION"] == f"{variant.width}x{variant.height}"
        assert float(found["FRAME-RATE"]) == round(expected.frame_rate, 3)
        codecs = found["CODECS"].strip('"').split(",")
        assert re.fullmatch(r"avc1\.[0-9a-f]{6}", codecs[0]), codecs
        assert codecs[1:] == (["mp4a.40.2"] if expected.has_audio else [])
        assert (out / uri).is_file()


def check_variant(out: Path, manifest: Manifest, variant: Variant, expected: Expected) -> None:
    check_size(variant, expected)
    playlist = out / variant.playlist
    segments = parse_media_playlist(playlist.read_text())
    assert segments, f"{variant.playlist} has no segments"
    for segment in segments[:-1]:
        assert 4.0 <= segment.duration_s <= 6.1, (variant.playlist, segment)
        assert abs(segment.duration_s - manifest.segment_s) < 0.05, (variant.playlist, segment)
    assert 0 < segments[-1].duration_s <= 6.1
    keyframes: list[int] = []
    for segment in segments:
        keyframes += check_segment(playlist.parent / segment.uri, variant, expected)
    check_keyframe_interval(keyframes, manifest.keyframe_interval_s, expected.frame_rate)
    check_bitrates(playlist.parent, segments, variant)


def check_size(variant: Variant, expected: Expected) -> None:
    assert variant.width % 2 == 0
    assert variant.height % 2 == 0
    assert variant.height <= max(expected.display_height, 2)
    assert variant.width <= max(expected.display_width, 2)
    source_aspect = expected.display_width / expected.display_height
    assert abs(variant.width / variant.height - source_aspect) / source_aspect < 0.015


def check_segment(path: Path, variant: Variant, expected: Expected) -> list[int]:
    """The segment's video size, its audio, an IDR first: returns its keyframe timestamps."""
    keyframes: list[int] = []
    with av.open(str(path)) as container:
        assert len(container.streams.video) == 1
        assert bool(container.streams.audio) == expected.has_audio
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        first = True
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            if first:
                assert packet.is_keyframe, f"{path.name} does not start on a keyframe"
                assert _IDR in nal_types(bytes(packet)), f"{path.name} does not start on an IDR"
                frame = packet.decode()[0]
                assert (frame.width, frame.height) == (variant.width, variant.height)
                first = False
            if packet.is_keyframe:
                assert _IDR in nal_types(bytes(packet))
                keyframes.append(packet.pts)
    return keyframes


def check_keyframe_interval(keyframes: list[int], interval_s: float, fps: float) -> None:
    """Keyframes (90 kHz) are ``interval_s`` apart, within one frame."""
    gaps = [b - a for a, b in pairwise(keyframes)]
    one_frame = 90_000 / fps
    for gap in gaps:
        assert abs(gap - interval_s * 90_000) <= one_frame + 1, (gaps, interval_s)


def check_bitrates(folder: Path, segments: list[MediaSegment], variant: Variant) -> None:
    assert variant.average_bandwidth <= variant.bandwidth <= 2 * variant.average_bandwidth
    for segment in segments[:-1]:
        bits = (folder / segment.uri).stat().st_size * 8
        assert bits / segment.duration_s <= 2 * variant.average_bandwidth


def nal_types(annexb: bytes) -> set[int]:
    return {
        annexb[m.end()] & 0x1F
        for m in re.finditer(b"\x00\x00\x01", annexb)
        if m.end() < len(annexb)
    }
