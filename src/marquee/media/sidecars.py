"""Uploaded subtitle and audio files that become HLS renditions: what they are and their checks.

A subtitle must be WebVTT (UTF-8, ``WEBVTT`` header, well-formed cue timings); an audio track must
be a file with a decodable audio stream. Languages become folder names and playlist attributes,
so they are checked against a BCP 47-shaped pattern; labels are playlist text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import av
import av.container

from marquee.media.errors import UnsupportedMedia

MAX_SUBTITLE_BYTES = 10 * 1024 * 1024
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")
_HEADER_RE = re.compile(r"WEBVTT(?:[ \t].*)?")
_TIMESTAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_TIMING_RE = re.compile(rf"({_TIMESTAMP})[ \t]+-->[ \t]+({_TIMESTAMP})(?:[ \t].*)?")


@dataclass(frozen=True)
class SidecarInput:
    """An extra track for a title: ``language`` (BCP 47, e.g. "es", "pt-BR"), a menu ``label``."""

    language: str
    label: str
    path: Path


def check_track_identity(kind: str, track: SidecarInput) -> None:
    """Refuse a language that is not a BCP 47-shaped tag, or an empty/over-long label."""
    field = f"{kind}.{track.language}"
    if not _LANGUAGE_RE.fullmatch(track.language):
        raise UnsupportedMedia(
            f"language {track.language!r} is not a language tag such as 'en' or 'pt-BR'",
            field=f"{kind}.language",
        )
    if not track.label.strip() or len(track.label) > 64:
        raise UnsupportedMedia("the label must be 1 to 64 characters", field=field)


def read_webvtt(track: SidecarInput) -> str:
    """The subtitle file's text after checking it is WebVTT; ``UnsupportedMedia`` otherwise."""
    field = f"subtitles.{track.language}"
    data = track.path.read_bytes() if track.path.is_file() else b""
    if not data:
        raise UnsupportedMedia("the subtitle file is empty", field=field)
    if len(data) > MAX_SUBTITLE_BYTES:
        raise UnsupportedMedia("the subtitle file is larger than 10 MB", field=field)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedMedia("the subtitle file is not UTF-8 text", field=field) from None
    problem = webvtt_problem(text)
    if problem:
        raise UnsupportedMedia(f"the subtitle file is not valid WebVTT: {problem}", field=field)
    return text


def webvtt_problem(text: str) -> str | None:
    """Why ``text`` is not WebVTT (header, then cue timings in order), or None if it is."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _HEADER_RE.fullmatch(lines[0]):
        return "it must start with the line 'WEBVTT' (SubRip .srt files need converting)"
    cues = 0
    for number, line in enumerate(lines[1:], start=2):
        if "-->" not in line:
            continue
        match = _TIMING_RE.fullmatch(line.strip())
        if not match:
            return f"line {number} has a malformed cue timing: {line.strip()[:60]!r}"
        if _seconds(match.group(2)) < _seconds(match.group(1)):
            return f"line {number}: the cue ends before it starts"
        cues += 1
    if cues == 0:
        return "it has no cues"
    return None


def _seconds(timestamp: str) -> float:
    parts = timestamp.split(":")
    seconds = float(parts[-1]) + 60 * int(parts[-2])
    return seconds + (3600 * int(parts[0]) if len(parts) == 3 else 0)


def check_audio_file(track: SidecarInput) -> None:
    """Refuse an audio track file with no decodable audio stream."""
    field = f"audio.{track.language}"
    if not track.path.is_file() or track.path.stat().st_size == 0:
        raise UnsupportedMedia("the audio file is empty", field=field)
    try:
        with av.open(str(track.path.resolve()), mode="r") as container:
            _decode_one_audio_frame(container, field)
    except av.error.FFmpegError:
        raise UnsupportedMedia(
            "the audio file is not a recognised audio format", field=field
        ) from None


def _decode_one_audio_frame(container: av.container.InputContainer, field: str) -> None:
    if not container.streams.audio:
        raise UnsupportedMedia("the file has no audio stream", field=field)
    for _frame in container.decode(audio=0):
        return
    raise UnsupportedMedia("the audio stream has no decodable audio", field=field)
