"""ffmpeg argument lists, built by pure functions (the runner executes them; tests read them).

``ladder_args`` is the one run that decodes the source once and, through one filter graph, encodes
every rung (H.264 + AAC into HLS with ``-var_stream_map``), cuts the poster and the scrub
thumbnails (media/sprite.py tiles them into one image); ``audio_args`` encodes extra
audio tracks into HLS audio renditions in a second run (they come from other files, and keeping
them out of the ladder run keeps its stream map one video + one audio per rung).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from marquee.media.ladder import Ladder
from marquee.media.thumbnails import PosterPlan, ThumbnailPlan

SEGMENT_PATTERN = "seg_%05d.ts"
PLAYLIST_NAME = "index.m3u8"
POSTER_NAME = "poster.jpg"
THUMBS_DIR = "thumbs"
THUMB_PATTERN = "t_%05d.jpg"
SPRITE_NAME = "sprite.jpg"
AUDIO_DIR = "audio"
AUDIO_SAMPLE_RATE = 48000
_PROGRESS = ("-progress", "pipe:1", "-stats_period", "0.5", "-nostats")
_QUIET = ("-hide_banner", "-nostdin", "-y", "-loglevel", "error")


@dataclass(frozen=True)
class LadderSpec:
    """Everything the ladder run depends on; paths are used as given (make them absolute)."""

    source: Path
    out_dir: Path
    ladder: Ladder
    with_audio: bool
    video_index: int  # the source's video stream (absolute index)
    deinterlace: bool
    preset: str
    segment_s: int
    audio_kbps: int
    poster: PosterPlan
    thumbnails: ThumbnailPlan


@dataclass(frozen=True)
class AudioTrackSpec:
    source: Path
    name: str  # output folder under audio/, e.g. "es"


def ladder_args(ffmpeg: str, spec: LadderSpec) -> list[str]:
    """The single ffmpeg run: decode once, encode every rung, poster and thumbnails."""
    _check_out_dir(spec.out_dir)
    args = [ffmpeg, *_QUIET, *_PROGRESS, "-i", _input(spec.source)]
    args += ["-filter_complex", filter_graph(spec)]
    for index in range(len(spec.ladder.rungs)):
        args += ["-map", f"[v{index}]"]
        if spec.with_audio:
            args += ["-map", "0:a:0"]
    args += _video_codec_args(spec)
    if spec.with_audio:
        args += _aac_args(spec.audio_kbps)
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    args += _hls_args(spec.out_dir, spec.segment_s, var_stream_map(spec.ladder, spec.with_audio))
    args += ["-map", "[poster]", "-c:v", "mjpeg", "-q:v", "3", "-update", "1"]
    args += [str(spec.out_dir / POSTER_NAME)]
    args += ["-map", "[thumbs]", "-c:v", "mjpeg", "-q:v", "5", "-start_number", "0"]
    args += [str(spec.out_dir / THUMBS_DIR / THUMB_PATTERN)]
    return args


def filter_graph(spec: LadderSpec) -> str:
    """One decode, made constant-rate, split to every rung, the poster and the thumbnails.

    The poster branch ends itself after one frame (``trim=end_frame=1``): capping the output
    with ``-frames:v`` instead stalls ffmpeg's scheduler on the other outputs.
    """
    rungs = spec.ladder.rungs
    rate = spec.ladder.frame_rate
    branches = [f"[s{i}]" for i in range(len(rungs))] + ["[sp]", "[st]"]
    # The HLS authoring spec forbids interlaced video; bwdif only touches frames flagged so.
    deinterlace = "bwdif=mode=send_frame:deint=interlaced," if spec.deinterlace else ""
    head = f"[0:{spec.video_index}]{deinterlace}fps={rate.numerator}/{rate.denominator}"
    parts = [f"{head},split={len(branches)}" + "".join(branches)]
    for i, rung in enumerate(rungs):
        parts.append(f"[s{i}]scale={rung.width}:{rung.height},setsar=1,format=yuv420p[v{i}]")
    poster, thumbs = spec.poster, spec.thumbnails
    parts.append(
        f"[sp]trim=start={poster.time_s},trim=end_frame=1,"
        f"scale={poster.width}:{poster.height},setsar=1[poster]"
    )
    parts.append(
        f"[st]fps=1/{thumbs.interval_s},scale={thumbs.width}:{thumbs.height},setsar=1[thumbs]"
    )
    return ";".join(parts)


def var_stream_map(ladder: Ladder, with_audio: bool) -> str:
    """``v:0,a:0,name:240p v:1,a:1,name:360p ...``: an HLS variant per rung, named as its folder."""
    if with_audio:
        return " ".join(f"v:{i},a:{i},name:{r.name}" for i, r in enumerate(ladder.rungs))
    return " ".join(f"v:{i},name:{r.name}" for i, r in enumerate(ladder.rungs))


def _video_codec_args(spec: LadderSpec) -> list[str]:
    """x264 with an IDR exactly every keyframe interval and none anywhere else.

    Scene-cut detection is off and the GOP is fixed, so segment boundaries (multiples of the
    interval) always fall on an IDR and every rung switches at the same instants.
    """
    gop = spec.ladder.gop_frames
    interval = spec.ladder.keyframe_interval_s
    args = ["-c:v", "libx264", "-preset", spec.preset, "-profile:v", "high"]
    args += ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    args += ["-force_key_frames", f"expr:gte(t,n_forced*{interval})", "-forced-idr", "1"]
    for i, rung in enumerate(spec.ladder.rungs):
        args += [f"-b:v:{i}", f"{rung.video_kbps}k"]
        args += [
            f"-maxrate:v:{i}",
            f"{rung.maxrate_kbps}k",
            f"-bufsize:v:{i}",
            f"{rung.bufsize_kbps}k",
        ]
    return args


def _aac_args(kbps: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{kbps}k", "-ac", "2", "-ar", str(AUDIO_SAMPLE_RATE)]


def _hls_args(out_dir: Path, segment_s: int, stream_map: str) -> list[str]:
    return [
        "-f", "hls",
        "-hls_time", str(segment_s),
        "-hls_playlist_type", "vod",
        "-hls_flags", "independent_segments",
        "-hls_segment_type", "mpegts",
        "-hls_segment_filename", str(out_dir / "%v" / SEGMENT_PATTERN),
        "-var_stream_map", stream_map,
        str(out_dir / "%v" / PLAYLIST_NAME),
    ]  # fmt: skip


def audio_args(
    ffmpeg: str,
    tracks: Sequence[AudioTrackSpec],
    out_dir: Path,
    *,
    segment_s: int,
    audio_kbps: int,
    duration_s: float,
) -> list[str]:
    """Extra audio tracks -> AAC HLS renditions in ``audio/{name}/``, cut to the video's length."""
    _check_out_dir(out_dir)
    if not tracks:
        raise ValueError("no audio tracks to encode")
    args = [ffmpeg, *_QUIET, *_PROGRESS]
    for track in tracks:
        args += ["-i", _input(track.source)]
    for index in range(len(tracks)):
        args += ["-map", f"{index}:a:0"]
    args += _aac_args(audio_kbps)
    args += ["-t", f"{duration_s:.3f}", "-map_metadata", "-1", "-vn", "-sn", "-dn"]
    stream_map = " ".join(f"a:{i},name:{t.name}" for i, t in enumerate(tracks))
    return args + _hls_args(out_dir / AUDIO_DIR, segment_s, stream_map)


def _input(path: Path) -> str:
    # "file:" stops ffmpeg reading a name like "rtmp:x.mp4" or "concat:..." as a protocol.
    return f"file:{path}"


def _check_out_dir(out_dir: Path) -> None:
    # ffmpeg expands % sequences in output names (%v, %05d); a stray % would corrupt them.
    if "%" in str(out_dir):
        raise ValueError(f"output folder {out_dir} must not contain '%'")
