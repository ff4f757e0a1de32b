"""The ffmpeg argument lists: one decode, every rung, keyframes, HLS, poster and thumbnails."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from marquee.media.ffmpeg import (
    AudioTrackSpec,
    LadderSpec,
    audio_args,
    filter_graph,
    ladder_args,
    var_stream_map,
)
from marquee.media.ladder import plan_ladder
from marquee.media.thumbnails import plan_poster, plan_thumbnails

OUT = Path("/work/out")


def spec(
    width: int = 1920, height: int = 1080, fps: float = 30.0, audio: bool = True
) -> LadderSpec:
    return LadderSpec(
        source=Path("/in/source.mp4"),
        out_dir=OUT,
        ladder=plan_ladder(width, height, fps, max_height=720),
        with_audio=audio,
        video_index=0,
        deinterlace=False,
        preset="veryfast",
        segment_s=4,
        audio_kbps=128,
        poster=plan_poster(20.0, width, height),
        thumbnails=plan_thumbnails(20.0, width, height),
    )


def value(args: list[str], option: str) -> str:
    return args[args.index(option) + 1]


def test_one_input_decoded_once_and_split_to_every_output() -> None:
    args = ladder_args("ffmpeg", spec())
    assert args.count("-i") == 1
    assert value(args, "-i") == "file:/in/source.mp4"
    graph = value(args, "-filter_complex")
    assert graph.startswith("[0:0]fps=30/1,split=6[s0][s1][s2][s3][sp][st];")
    assert "[s3]scale=1280:720,setsar=1,format=yuv420p[v3]" in graph


def test_every_rung_gets_its_bit_rate_and_a_capped_peak() -> None:
    args = ladder_args("ffmpeg", spec())
    assert value(args, "-b:v:3") == "2250k"
    assert value(args, "-maxrate:v:3") == "3375k"
    assert value(args, "-bufsize:v:3") == "4500k"
    assert value(args, "-b:v:0") == "300k"


def test_keyframes_every_two_seconds_and_nowhere_else() -> None:
    args = ladder_args("ffmpeg", spec(fps=60.0))
    assert value(args, "-g") == "120"
    assert value(args, "-keyint_min") == "120"
    assert value(args, "-sc_threshold") == "0"
    assert value(args, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    assert value(args, "-forced-idr") == "1"
    assert value(args, "-profile:v") == "high"


def test_hls_output_is_vod_with_independent_segments_per_rung_folder() -> None:
    args = ladder_args("ffmpeg", spec())
    assert value(args, "-f") == "hls"
    assert value(args, "-hls_time") == "4"
    assert value(args, "-hls_playlist_type") == "vod"
    assert value(args, "-hls_flags") == "independent_segments"
    assert value(args, "-hls_segment_filename") == "/work/out/%v/seg_%05d.ts"
    assert value(args, "-var_stream_map") == (
        "v:0,a:0,name:240p v:1,a:1,name:360p v:2,a:2,name:480p v:3,a:3,name:720p"
    )
    assert "/work/out/%v/index.m3u8" in args


def test_audio_is_mapped_and_encoded_per_rung_as_stereo_aac() -> None:
    args = ladder_args("ffmpeg", spec())
    assert args.count("0:a:0") == 4
    assert value(args, "-c:a") == "aac"
    assert value(args, "-b:a") == "128k"
    assert value(args, "-ac") == "2"


def test_a_source_without_audio_gets_a_video_only_ladder() -> None:
    args = ladder_args("ffmpeg", spec(audio=False))
    assert "0:a:0" not in args
    assert "-c:a" not in args
    assert (
        value(args, "-var_stream_map") == "v:0,name:240p v:1,name:360p v:2,name:480p v:3,name:720p"
    )


def test_poster_and_thumbnails_are_outputs_of_the_same_run() -> None:
    args = ladder_args("ffmpeg", spec())
    graph = value(args, "-filter_complex")
    assert "[sp]trim=start=2.0,trim=end_frame=1,scale=1280:720,setsar=1[poster]" in graph
    assert "[st]fps=1/2,scale=160:90,setsar=1[thumbs]" in graph
    assert args[-1] == "/work/out/thumbs/t_%05d.jpg"
    assert "/work/out/poster.jpg" in args
    # -frames:v on the poster output stalls ffmpeg's scheduler; the trim ends that branch.
    assert "-frames:v" not in args


def test_progress_goes_to_stdout_and_only_errors_to_stderr() -> None:
    args = ladder_args("ffmpeg", spec())
    assert value(args, "-progress") == "pipe:1"
    assert value(args, "-loglevel") == "error"
    assert "-nostdin" in args


def test_portrait_filters_scale_to_portrait_sizes() -> None:
    graph = filter_graph(spec(1080, 1920))
    assert "[s3]scale=720:1280" in graph


def test_var_stream_map_names_each_variant_after_its_rung() -> None:
    assert var_stream_map(plan_ladder(640, 360, 25.0), with_audio=False) == (
        "v:0,name:240p v:1,name:360p"
    )


def test_extra_audio_tracks_are_encoded_in_one_run_cut_to_the_video() -> None:
    tracks = [AudioTrackSpec(Path("/in/es.m4a"), "es"), AudioTrackSpec(Path("/in/fr.ogg"), "fr")]
    args = audio_args("ffmpeg", tracks, OUT, segment_s=4, audio_kbps=96, duration_s=20.0)
    assert [args[i + 1] for i, a in enumerate(args) if a == "-i"] == [
        "file:/in/es.m4a",
        "file:/in/fr.ogg",
    ]
    assert value(args, "-t") == "20.000"
    assert value(args, "-b:a") == "96k"
    assert value(args, "-var_stream_map") == "a:0,name:es a:1,name:fr"
    assert args[-1] == "/work/out/audio/%v/index.m3u8"


def test_an_output_folder_with_a_percent_sign_is_refused() -> None:
    with pytest.raises(ValueError, match="'%'"):
        ladder_args("ffmpeg", replace(spec(), out_dir=Path("/tmp/100%")))


def test_the_probed_video_stream_is_decoded_and_interlaced_video_deinterlaced() -> None:
    interlaced = replace(spec(), video_index=2, deinterlace=True)
    assert filter_graph(interlaced).startswith(
        "[0:2]bwdif=mode=send_frame:deint=interlaced,fps=30/1,split="
    )
