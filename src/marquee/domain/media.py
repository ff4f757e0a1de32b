"""Media vocabulary shared by the pipeline, the job handler and playback: what a rendition set is.

A manifest describes a published rendition set stored under one blob prefix. Paths inside it are
relative to that prefix. It round-trips through JSON (``to_json`` / ``from_json``) because the
database keeps it in ``media_assets.manifest``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    """One rung of the ladder: an H.264/AAC media playlist and its segments."""

    height: int
    width: int
    bandwidth: int  # peak bits/s, as HLS BANDWIDTH
    average_bandwidth: int  # bits/s, as HLS AVERAGE-BANDWIDTH
    codecs: str  # e.g. "avc1.64001f,mp4a.40.2"
    frame_rate: float
    playlist: str  # e.g. "720p/index.m3u8"

    @property
    def rung(self) -> int:
        """The ladder rung ("720p" -> 720): the picture's short side, so a portrait 720x1280
        variant is a 720p rung. Plan caps compare against this, not ``height``."""
        return min(self.width, self.height)


@dataclass(frozen=True)
class SubtitleTrack:
    language: str
    label: str
    playlist: str  # e.g. "subs/en/index.m3u8" (wraps the .vtt for HLS)
    vtt: str  # e.g. "subs/en/subtitles.vtt"


@dataclass(frozen=True)
class AudioTrack:
    language: str
    label: str
    playlist: str  # e.g. "audio/es/index.m3u8"; "" = the audio muxed into every variant
    default: bool = False


@dataclass(frozen=True)
class Manifest:
    """A complete rendition set; ``master`` lists every variant and track."""

    prefix: str  # blob prefix, e.g. "media/12/v3"
    master: str  # "master.m3u8"
    duration_s: float
    variants: list[Variant]
    subtitles: list[SubtitleTrack] = field(default_factory=list)
    audio: list[AudioTrack] = field(default_factory=list)
    poster: str | None = None  # "poster.jpg"
    thumbnails_vtt: str | None = None  # "thumbs/thumbs.vtt" (points into a sprite image)
    segment_s: float = 4.0
    keyframe_interval_s: float = 2.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            prefix=data["prefix"],
            master=data["master"],
            duration_s=float(data["duration_s"]),
            variants=[Variant(**v) for v in data["variants"]],
            subtitles=[SubtitleTrack(**s) for s in data.get("subtitles", [])],
            audio=[AudioTrack(**a) for a in data.get("audio", [])],
            poster=data.get("poster"),
            thumbnails_vtt=data.get("thumbnails_vtt"),
            segment_s=float(data.get("segment_s", 4.0)),
            keyframe_interval_s=float(data.get("keyframe_interval_s", 2.0)),
        )

    def variants_up_to(self, max_height: int) -> list[Variant]:
        """The rungs a plan capped at ``max_height`` may receive; may be empty."""
        return [v for v in self.variants if v.rung <= max_height]
