"""Source file in, complete HLS rendition set out: ``transcode()`` and the request it takes.

The job handler (services) downloads the source, calls ``transcode`` into an empty temporary
folder, uploads what it wrote and publishes the returned ``Manifest``. Everything is checked
before ffmpeg starts (the source is probed, sidecars validated), so bad input fails in
milliseconds with ``UnsupportedMedia``; the master playlist is written last.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from marquee.config import MediaSettings
from marquee.domain.media import AudioTrack, Manifest, SubtitleTrack, Variant
from marquee.media import ffmpeg as cmd
from marquee.media.errors import TranscodeCanceled, TranscodeFailed
from marquee.media.hls import (
    AAC_LC,
    render_master,
    render_subtitle_playlist,
    with_timestamp_map,
)
from marquee.media.ladder import plan_ladder
from marquee.media.measure import Measured, measure_rendition
from marquee.media.probe import ProbeResult, probe
from marquee.media.runner import ProgressParser, find_ffmpeg, run_ffmpeg
from marquee.media.sidecars import (
    SidecarInput,
    check_audio_file,
    check_track_identity,
    read_webvtt,
)
from marquee.media.sprite import tile_sprite
from marquee.media.thumbnails import plan_poster, plan_thumbnails, render_thumbnails_vtt

__all__ = ["SidecarInput", "TranscodeRequest", "transcode"]

MASTER_NAME = "master.m3u8"
THUMBS_VTT = f"{cmd.THUMBS_DIR}/thumbs.vtt"
# Share of the progress bar the ladder run takes; extra audio and read-back take the rest.
_LADDER_SHARE = 0.9
_AUDIO_SHARE = 0.07


@dataclass(frozen=True)
class TranscodeRequest:
    """What to transcode and where. ``out_dir`` must be empty or absent."""

    source: Path
    out_dir: Path
    prefix: str  # the blob prefix the files will be published under; copied into the manifest
    settings: MediaSettings
    subtitles: Sequence[SidecarInput] = field(default=())
    audio: Sequence[SidecarInput] = field(default=())


def transcode(
    request: TranscodeRequest,
    *,
    progress: Callable[[float], None] = lambda fraction: None,
    should_cancel: Callable[[], bool] = lambda: False,
) -> Manifest:
    """Encode the whole rendition set under ``request.out_dir`` and describe it.

    Raises ``UnsupportedMedia`` (bad source or sidecar), ``TranscodeFailed`` (ffmpeg failed,
    with its reason) or ``TranscodeCanceled`` (``should_cancel()`` turned true; ffmpeg stopped).
    """
    info = probe(request.source)
    vtts = _checked_sidecars(request)
    ffmpeg = find_ffmpeg(request.settings.ffmpeg_path)
    out = _prepare_out_dir(request.out_dir)
    spec = ladder_spec(request.source.resolve(), out, info, request.settings)
    prepare_out_dirs(out, spec)
    _encode_ladder(ffmpeg, spec, info, request, progress=progress, should_cancel=should_cancel)
    thumbnails_vtt = _make_sprite(out, spec, info.duration_s)
    audio = _encode_audio(
        ffmpeg, request, out, spec, info, progress=progress, should_cancel=should_cancel
    )
    variants, first = _measure_variants(out, spec, info.has_audio)
    subtitles = _write_subtitles(out, request.subtitles, vtts, info.duration_s, first.start_pts)
    # Written last: a folder with a master playlist is a complete rendition set.
    (out / MASTER_NAME).write_text(render_master(variants, subtitles, audio))
    progress(1.0)
    poster = out / cmd.POSTER_NAME
    return Manifest(
        prefix=request.prefix,
        master=MASTER_NAME,
        duration_s=info.duration_s,
        variants=variants,
        subtitles=subtitles,
        audio=audio,
        poster=cmd.POSTER_NAME if poster.is_file() and poster.stat().st_size else None,
        thumbnails_vtt=thumbnails_vtt,
        segment_s=float(spec.segment_s),
        keyframe_interval_s=float(spec.ladder.keyframe_interval_s),
    )


def _encode_ladder(
    ffmpeg: str,
    spec: cmd.LadderSpec,
    info: ProbeResult,
    request: TranscodeRequest,
    *,
    progress: Callable[[float], None],
    should_cancel: Callable[[], bool],
) -> None:
    """The one ffmpeg run for every rung; extra audio, if any, takes the end of the bar."""
    share = _LADDER_SHARE if request.audio else _LADDER_SHARE + _AUDIO_SHARE
    run_ffmpeg(
        cmd.ladder_args(ffmpeg, spec),
        parser=ProgressParser(total_frames=math.ceil(info.duration_s * spec.ladder.frame_rate)),
        progress=lambda fraction: progress(fraction * share),
        should_cancel=should_cancel,
        timeout_s=request.settings.ffmpeg_timeout_s,
    )
    _check_cancel(should_cancel)


def ladder_spec(
    source: Path, out: Path, info: ProbeResult, settings: MediaSettings
) -> cmd.LadderSpec:
    """The ladder run for ``info`` under ``settings`` (the benchmark runs the same one)."""
    ladder = plan_ladder(
        info.display_width,
        info.display_height,
        info.frame_rate,
        max_height=settings.max_height,
        keyframe_interval_s=settings.keyframe_interval_s,
    )
    return cmd.LadderSpec(
        source=source,
        out_dir=out,
        ladder=ladder,
        with_audio=info.has_audio,
        video_index=info.video_index,
        deinterlace=info.interlaced,
        preset=settings.x264_preset,
        segment_s=effective_segment_s(settings.segment_s, settings.keyframe_interval_s),
        audio_kbps=settings.audio_kbps,
        poster=plan_poster(info.duration_s, info.display_width, info.display_height),
        thumbnails=plan_thumbnails(info.duration_s, info.display_width, info.display_height),
    )


def effective_segment_s(segment_s: int, keyframe_interval_s: int) -> int:
    """Segments are cut at the first IDR at or after ``segment_s``: a multiple of the interval."""
    return keyframe_interval_s * math.ceil(segment_s / keyframe_interval_s)


def prepare_out_dirs(out: Path, spec: cmd.LadderSpec) -> None:
    """The folders ffmpeg writes into (it does not create them)."""
    (out / cmd.THUMBS_DIR).mkdir(parents=True, exist_ok=True)
    for rung in spec.ladder.rungs:
        (out / rung.name).mkdir(exist_ok=True)


def _checked_sidecars(request: TranscodeRequest) -> list[str]:
    for track in request.subtitles:
        check_track_identity("subtitles", track)
    for track in request.audio:
        check_track_identity("audio", track)
        check_audio_file(track)
    return [read_webvtt(track) for track in request.subtitles]


def _prepare_out_dir(out_dir: Path) -> Path:
    out = out_dir.resolve()
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"output folder {out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _check_cancel(should_cancel: Callable[[], bool]) -> None:
    if should_cancel():
        raise TranscodeCanceled("the transcode was canceled")


def _make_sprite(out: Path, spec: cmd.LadderSpec, duration_s: float) -> str | None:
    """Tile the thumbnails the ladder run cut into one sprite, index it, drop the singles."""
    thumbs_dir = out / cmd.THUMBS_DIR
    singles = sorted(thumbs_dir.glob("t_*.jpg"))
    if not singles:
        return None
    tile_sprite(singles, spec.thumbnails, thumbs_dir / cmd.SPRITE_NAME)
    for single in singles:
        single.unlink()
    vtt = render_thumbnails_vtt(spec.thumbnails, len(singles), duration_s, cmd.SPRITE_NAME)
    (out / THUMBS_VTT).write_text(vtt)
    return THUMBS_VTT


def _encode_audio(
    ffmpeg: str,
    request: TranscodeRequest,
    out: Path,
    spec: cmd.LadderSpec,
    info: ProbeResult,
    *,
    progress: Callable[[float], None],
    should_cancel: Callable[[], bool],
) -> list[AudioTrack]:
    """Extra audio tracks, in a second ffmpeg run; listed after the source's own (muxed) audio."""
    if not request.audio:
        return []
    names = _folder_names([t.language for t in request.audio])
    tracks = [
        cmd.AudioTrackSpec(t.path.resolve(), n) for t, n in zip(request.audio, names, strict=True)
    ]
    for track in tracks:
        (out / cmd.AUDIO_DIR / track.name).mkdir(parents=True, exist_ok=True)
    args = cmd.audio_args(
        ffmpeg,
        tracks,
        out,
        segment_s=spec.segment_s,
        audio_kbps=spec.audio_kbps,
        duration_s=info.duration_s,
    )
    run_ffmpeg(
        args,
        parser=ProgressParser(duration_s=info.duration_s),
        progress=lambda fraction: progress(_LADDER_SHARE + fraction * _AUDIO_SHARE),
        should_cancel=should_cancel,
        timeout_s=request.settings.ffmpeg_timeout_s,
    )
    listed = [_main_audio(info)] if info.has_audio else []
    for index, (sidecar, name) in enumerate(zip(request.audio, names, strict=True)):
        playlist = f"{cmd.AUDIO_DIR}/{name}/{cmd.PLAYLIST_NAME}"
        default = not info.has_audio and index == 0
        listed.append(AudioTrack(sidecar.language, sidecar.label.strip(), playlist, default))
    return listed


def _main_audio(info: ProbeResult) -> AudioTrack:
    """The source's own audio, muxed into every variant: an audio rendition without a playlist."""
    language = info.audio[0].language or "und"
    return AudioTrack(language=language, label="Original", playlist="", default=True)


def _folder_names(languages: Sequence[str]) -> list[str]:
    """One folder per track: the language, suffixed -2, -3... when a language repeats."""
    seen: dict[str, int] = {}
    names = []
    for language in languages:
        seen[language] = seen.get(language, 0) + 1
        names.append(language if seen[language] == 1 else f"{language}-{seen[language]}")
    return names


def _measure_variants(
    out: Path, spec: cmd.LadderSpec, with_audio: bool
) -> tuple[list[Variant], Measured]:
    variants: list[Variant] = []
    measured: list[Measured] = []
    for rung in spec.ladder.rungs:
        playlist = f"{rung.name}/{cmd.PLAYLIST_NAME}"
        facts = measure_rendition(out / playlist, spec.segment_s)
        if facts.video_codec is None:
            raise TranscodeFailed(f"{rung.name}: ffmpeg wrote a rendition without video")
        video_codec = facts.video_codec
        variants.append(
            Variant(
                height=rung.height,
                width=rung.width,
                bandwidth=facts.bandwidth,
                average_bandwidth=facts.average_bandwidth,
                codecs=f"{video_codec},{AAC_LC}" if with_audio else video_codec,
                frame_rate=round(float(spec.ladder.frame_rate), 3),
                playlist=playlist,
            )
        )
        measured.append(facts)
    return variants, measured[0]


def _write_subtitles(
    out: Path,
    tracks: Sequence[SidecarInput],
    texts: Sequence[str],
    duration_s: float,
    start_pts: int,
) -> list[SubtitleTrack]:
    """Each WebVTT file, with a timestamp map for the segments' clock, and a playlist around it."""
    listed = []
    names = _folder_names([t.language for t in tracks])
    for track, text, name in zip(tracks, texts, names, strict=True):
        folder = out / "subs" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "subtitles.vtt").write_text(with_timestamp_map(text, start_pts))
        (folder / cmd.PLAYLIST_NAME).write_text(
            render_subtitle_playlist("subtitles.vtt", duration_s)
        )
        listed.append(
            SubtitleTrack(
                language=track.language,
                label=track.label.strip(),
                playlist=f"subs/{name}/{cmd.PLAYLIST_NAME}",
                vtt=f"subs/{name}/subtitles.vtt",
            )
        )
    return listed
