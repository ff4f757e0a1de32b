"""HLS playlists as text: the master playlist, subtitle playlists, and reading media playlists back.

Everything here is pure. ``render_master`` is also what playback calls to build a per-session
master (only the variants a plan allows, every URI signed), so its output depends on nothing but
its arguments.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from marquee.domain.media import AudioTrack, SubtitleTrack, Variant

AUDIO_GROUP = "aud"
SUBTITLE_GROUP = "subs"
AAC_LC = "mp4a.40.2"
# hls.js and Safari read this header to align WebVTT cue times with MPEG-TS timestamps.
_TIMESTAMP_MAP_RE = re.compile(r"^X-TIMESTAMP-MAP=.*$", re.MULTILINE)


def _identity(path: str) -> str:
    return path


def render_master(
    variants: Sequence[Variant],
    subtitles: Sequence[SubtitleTrack] = (),
    audio: Sequence[AudioTrack] = (),
    uri: Callable[[str], str] = _identity,
) -> str:
    """The master playlist listing ``variants`` in the given order, with their renditions.

    ``uri`` maps each manifest-relative path (``720p/index.m3u8``) to what the playlist should
    say: the identity for the stored master, a signed URL for a playback session.

    Audio: an ``AudioTrack`` whose ``playlist`` is empty is the audio muxed into every variant
    (an EXT-X-MEDIA without URI, as RFC 8216 4.3.4.2.1 allows); the others are alternate AAC
    renditions. When any audio track is given, every variant joins the audio group.
    """
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS"]
    lines += [_audio_media(track, uri) for track in audio]
    lines += [_subtitle_media(track, uri) for track in subtitles]
    for variant in variants:
        lines.append(_stream_inf(variant, has_audio_group=bool(audio), has_subs=bool(subtitles)))
        lines.append(uri(variant.playlist))
    return "\n".join(lines) + "\n"


def _audio_media(track: AudioTrack, uri: Callable[[str], str]) -> str:
    attrs = [
        "TYPE=AUDIO",
        f'GROUP-ID="{AUDIO_GROUP}"',
        f"LANGUAGE={quoted(track.language)}",
        f"NAME={quoted(track.label)}",
        f"DEFAULT={'YES' if track.default else 'NO'}",
        "AUTOSELECT=YES",
        'CHANNELS="2"',
    ]
    if track.playlist:
        attrs.append(f"URI={quoted(uri(track.playlist))}")
    return "#EXT-X-MEDIA:" + ",".join(attrs)


def _subtitle_media(track: SubtitleTrack, uri: Callable[[str], str]) -> str:
    attrs = [
        "TYPE=SUBTITLES",
        f'GROUP-ID="{SUBTITLE_GROUP}"',
        f"LANGUAGE={quoted(track.language)}",
        f"NAME={quoted(track.label)}",
        "DEFAULT=NO",
        "AUTOSELECT=YES",
        "FORCED=NO",
        f"URI={quoted(uri(track.playlist))}",
    ]
    return "#EXT-X-MEDIA:" + ",".join(attrs)


def _stream_inf(variant: Variant, *, has_audio_group: bool, has_subs: bool) -> str:
    codecs = variant.codecs
    if has_audio_group and AAC_LC not in codecs.split(","):
        # A video-only ladder with alternate audio: the variant is played with AAC from the group.
        codecs = f"{codecs},{AAC_LC}"
    attrs = [
        f"BANDWIDTH={variant.bandwidth}",
        f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
        f"RESOLUTION={variant.width}x{variant.height}",
        f'CODECS="{codecs}"',
        f"FRAME-RATE={variant.frame_rate:.3f}",
    ]
    if has_audio_group:
        attrs.append(f'AUDIO="{AUDIO_GROUP}"')
    if has_subs:
        attrs.append(f'SUBTITLES="{SUBTITLE_GROUP}"')
    attrs.append("CLOSED-CAPTIONS=NONE")
    return "#EXT-X-STREAM-INF:" + ",".join(attrs)


def quoted(value: str) -> str:
    """An HLS quoted-string: no double quote, CR or LF may appear inside, so they are replaced."""
    return '"' + re.sub(r'["\r\n]', "'", value) + '"'


def render_subtitle_playlist(vtt_name: str, duration_s: float) -> str:
    """A VOD media playlist with the whole WebVTT file as its one segment."""
    return "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration_s))}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration_s:.3f},",
            vtt_name,
            "#EXT-X-ENDLIST",
            "",
        ]
    )


def with_timestamp_map(vtt_text: str, mpegts: int) -> str:
    """``vtt_text`` with an ``X-TIMESTAMP-MAP`` saying cue time 0 is MPEG-TS time ``mpegts``.

    The segments' timestamps start where the muxer put them (ffmpeg: 1.4 s in), not at 0;
    without the map Safari shows every cue that much early. Any map already there is replaced.
    """
    mapping = f"X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000"
    text = vtt_text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if _TIMESTAMP_MAP_RE.search(text.split("\n\n", 1)[0]):
        return _TIMESTAMP_MAP_RE.sub(mapping, text, count=1)
    header, sep, rest = text.partition("\n")
    return f"{header}\n{mapping}{sep}{rest}" if sep else f"{header}\n{mapping}\n"


@dataclass(frozen=True)
class MediaSegment:
    uri: str
    duration_s: float


def parse_media_playlist(text: str) -> list[MediaSegment]:
    """The segments of a media playlist, in order (``#EXTINF`` duration and the URI after it)."""
    segments: list[MediaSegment] = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append(MediaSegment(line, duration))
            duration = None
    return segments


def average_bitrate(segments: Sequence[tuple[float, int]]) -> int:
    """Bits per second over the whole rendition, from ``(duration_s, size_bytes)`` pairs."""
    total_s = sum(d for d, _ in segments)
    if total_s <= 0:
        raise ValueError("a rendition needs a positive duration")
    return math.ceil(sum(size for _, size in segments) * 8 / total_s)


def peak_bitrate(segments: Sequence[tuple[float, int]], target_duration_s: float) -> int:
    """HLS BANDWIDTH: the highest bit rate of any run of consecutive segments lasting 0.5-1.5x
    the target duration (RFC 8216 4.3.4.2), so a short last segment is judged with its neighbour.
    """
    low, high = 0.5 * target_duration_s, 1.5 * target_duration_s
    best = 0.0
    for start in range(len(segments)):
        total_s, total_bytes = 0.0, 0
        for duration, size in segments[start:]:
            total_s += duration
            total_bytes += size
            if total_s > high:
                break
            if total_s >= low:
                best = max(best, total_bytes * 8 / total_s)
    if best == 0.0:
        # Nothing reaches half the target (a very short video): the whole of it is the window.
        return average_bitrate(segments)
    return math.ceil(best)


def find_sps(annexb: bytes) -> bytes | None:
    """The first H.264 sequence parameter set NAL unit (type 7) in an Annex B byte stream."""
    for match in re.finditer(b"\x00\x00\x01", annexb):
        start = match.end()
        if start < len(annexb) and annexb[start] & 0x1F == 7:
            return annexb[start : start + 4]
    return None


def avc1_codec(sps: bytes) -> str:
    """RFC 6381 ``avc1.PPCCLL`` from an SPS: profile_idc, constraint flags, level_idc in hex."""
    if len(sps) < 4 or sps[0] & 0x1F != 7:
        raise ValueError("not an H.264 sequence parameter set")
    return f"avc1.{sps[1]:02x}{sps[2]:02x}{sps[3]:02x}"
