"""Subtitle and audio-track checks: WebVTT validity, language tags, labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.media.errors import UnsupportedMedia
from marquee.media.sidecars import (
    SidecarInput,
    check_track_identity,
    read_webvtt,
    webvtt_problem,
)

GOOD = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.500 align:start\nHello\n\n01:00.000 --> 01:02.000\nBye\n"
)


def test_valid_webvtt_has_no_problem() -> None:
    assert webvtt_problem(GOOD) is None
    assert webvtt_problem("\ufeffWEBVTT - with a title\r\n\r\n00:01.000 --> 00:02.000\r\nx") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nHello\n", "must start with the line 'WEBVTT'"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", "must start with the line 'WEBVTT'"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", "line 3 has a malformed cue timing"),
        ("WEBVTT\n\n00:03.000 --> 00:02.000\nx\n", "line 3: the cue ends before it starts"),
        ("WEBVTT\n\nNOTE nothing here\n", "it has no cues"),
    ],
)
def test_invalid_webvtt_is_explained(text: str, problem: str) -> None:
    found = webvtt_problem(text)
    assert found is not None
    assert problem in found


def test_reading_a_subtitle_file_names_its_field_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "fr.vtt"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UnsupportedMedia) as caught:
        read_webvtt(SidecarInput("fr", "Français", path))
    assert caught.value.field == "subtitles.fr"
    assert caught.value.status == 422
    assert "not UTF-8" in caught.value.reason


def test_reading_valid_subtitles_returns_their_text(tmp_path: Path) -> None:
    path = tmp_path / "en.vtt"
    path.write_text(GOOD)
    assert read_webvtt(SidecarInput("en", "English", path)) == GOOD


def test_an_empty_subtitle_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "en.vtt"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedMedia, match="empty"):
        read_webvtt(SidecarInput("en", "English", path))


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-Hant", "yue"])
def test_language_tags_are_accepted(language: str) -> None:
    check_track_identity("audio", SidecarInput(language, "Label", Path("x")))


@pytest.mark.parametrize("language", ["", "EN", "../etc", "en/../../x", "english", "e"])
def test_language_that_is_no_tag_is_refused_because_it_becomes_a_folder(language: str) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        check_track_identity("subtitles", SidecarInput(language, "Label", Path("x")))
    assert caught.value.field == "subtitles.language"


def test_blank_label_is_refused() -> None:
    with pytest.raises(UnsupportedMedia, match="label"):
        check_track_identity("audio", SidecarInput("en", "  ", Path("x")))
