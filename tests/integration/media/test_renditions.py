"""Poster, scrub thumbnails, subtitles and extra audio tracks, as written and as listed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest

from marquee.config import MediaSettings
from marquee.domain.media import AudioTrack, SubtitleTrack
from marquee.media.errors import UnsupportedMedia
from marquee.media.hls import parse_media_playlist
from marquee.media.pipeline import SidecarInput, TranscodeRequest, transcode

pytestmark = pytest.mark.slow

VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n¡Hola!\n\n00:02.000 --> 00:02.900\nAdiós\n"


def image_size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_subtitles_and_extra_audio_become_renditions(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    vtt = tmp_path / "es.vtt"
    vtt.write_text(VTT)
    request = TranscodeRequest(
        source=make_source("rotated-phone"),
        out_dir=tmp_path / "out",
        prefix="media/3/v2",
        settings=media_settings,
        subtitles=[SidecarInput("es", "Español", vtt)],
        audio=[SidecarInput("es", "Español (doblaje)", make_source("spanish-audio"))],
    )
    manifest = transcode(request)
    out = request.out_dir
    assert manifest.subtitles == [
        SubtitleTrack("es", "Español", "subs/es/index.m3u8", "subs/es/subtitles.vtt")
    ]
    assert manifest.audio == [
        AudioTrack("und", "Original", "", default=True),
        AudioTrack("es", "Español (doblaje)", "audio/es/index.m3u8", default=False),
    ]
    master = (out / "master.m3u8").read_text()
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="es"' in master
    assert 'URI="audio/es/index.m3u8"' in master
    assert master.count('AUDIO="aud",SUBTITLES="subs"') == len(manifest.variants)
    vtt_out = (out / "subs/es/subtitles.vtt").read_text().splitlines()
    assert vtt_out[0] == "WEBVTT"
    assert vtt_out[1].startswith("X-TIMESTAMP-MAP=MPEGTS:")
    assert "¡Hola!" in vtt_out
    assert parse_media_playlist((out / "subs/es/index.m3u8").read_text())[0].uri == "subtitles.vtt"
    audio_segments = parse_media_playlist((out / "audio/es/index.m3u8").read_text())
    assert abs(sum(s.duration_s for s in audio_segments) - manifest.duration_s) < 0.2
    with av.open(str(out / "audio/es" / audio_segments[0].uri)) as segment:
        assert not segment.streams.video
        assert segment.streams.audio[0].codec_context.name == "aac"


def test_poster_and_sprite_match_the_thumbnail_index(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    manifest = transcode(TranscodeRequest(make_source("1080p"), out, "p", media_settings))
    assert manifest.poster == "poster.jpg"
    assert image_size(out / "poster.jpg") == (1280, 720)
    assert manifest.thumbnails_vtt == "thumbs/thumbs.vtt"
    cues = (out / "thumbs/thumbs.vtt").read_text().split("\n\n")[1:]
    assert len(cues) == 3  # 5 s at one thumbnail every 2 s
    assert cues[-1].startswith("00:00:04.000 --> 00:00:05.000\nsprite.jpg#xywh=320,0,160,90")
    assert image_size(out / "thumbs/sprite.jpg") == (3 * 160, 90)
    assert sorted(p.name for p in (out / "thumbs").iterdir()) == ["sprite.jpg", "thumbs.vtt"]


def test_a_subtitle_file_that_is_not_webvtt_is_refused_before_encoding(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    srt = tmp_path / "en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    request = TranscodeRequest(
        make_source("no-audio"),
        tmp_path / "out",
        "p",
        media_settings,
        subtitles=[SidecarInput("en", "English", srt)],
    )
    with pytest.raises(UnsupportedMedia) as caught:
        transcode(request)
    assert caught.value.field == "subtitles.en"
    assert "must start with the line 'WEBVTT'" in caught.value.reason
    assert not (tmp_path / "out").exists()


def test_an_audio_track_without_audio_is_refused(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    request = TranscodeRequest(
        make_source("no-audio"),
        tmp_path / "out",
        "p",
        media_settings,
        audio=[SidecarInput("fr", "Français", make_source("no-audio"))],
    )
    with pytest.raises(UnsupportedMedia, match="no audio stream") as caught:
        transcode(request)
    assert caught.value.field == "audio.fr"


def test_a_video_only_source_with_an_extra_audio_track_makes_that_track_default(
    make_source: Callable[[str], Path], media_settings: MediaSettings, tmp_path: Path
) -> None:
    request = TranscodeRequest(
        make_source("no-audio"),
        tmp_path / "out",
        "p",
        media_settings,
        audio=[SidecarInput("es", "Español", make_source("spanish-audio"))],
    )
    manifest = transcode(request)
    assert manifest.audio == [AudioTrack("es", "Español", "audio/es/index.m3u8", default=True)]
    assert all(v.codecs.count(",") == 0 for v in manifest.variants)
    master = (request.out_dir / "master.m3u8").read_text()
    assert ',mp4a.40.2"' in master
