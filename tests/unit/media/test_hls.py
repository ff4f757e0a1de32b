"""Master and subtitle playlist text, media playlist parsing, bit rates and codec strings."""

from __future__ import annotations

import pytest

from marquee.domain.media import AudioTrack, SubtitleTrack, Variant
from marquee.media.hls import (
    avc1_codec,
    average_bitrate,
    find_sps,
    parse_media_playlist,
    peak_bitrate,
    quoted,
    render_master,
    render_subtitle_playlist,
    with_timestamp_map,
)

LOW = Variant(360, 640, 700_000, 650_000, "avc1.64001e,mp4a.40.2", 29.97, "360p/index.m3u8")
HIGH = Variant(720, 1280, 2_600_000, 2_400_000, "avc1.64001f,mp4a.40.2", 29.97, "720p/index.m3u8")


def test_master_lists_every_variant_with_the_required_attributes() -> None:
    text = render_master([LOW, HIGH])
    assert text == (
        "#EXTM3U\n"
        "#EXT-X-VERSION:4\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=650000,RESOLUTION=640x360,"
        'CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970,CLOSED-CAPTIONS=NONE\n'
        "360p/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2600000,AVERAGE-BANDWIDTH=2400000,RESOLUTION=1280x720,"
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970,CLOSED-CAPTIONS=NONE\n'
        "720p/index.m3u8\n"
    )


def test_master_maps_every_uri_through_the_given_function() -> None:
    subs = [SubtitleTrack("en", "English", "subs/en/index.m3u8", "subs/en/subtitles.vtt")]
    audio = [AudioTrack("es", "Español", "audio/es/index.m3u8")]
    text = render_master([HIGH], subs, audio, uri=lambda path: f"/signed/{path}?t=1")
    assert "\n/signed/720p/index.m3u8?t=1\n" in text
    assert 'URI="/signed/subs/en/index.m3u8?t=1"' in text
    assert 'URI="/signed/audio/es/index.m3u8?t=1"' in text


def test_master_with_renditions_groups_them_and_links_the_variants() -> None:
    subs = [SubtitleTrack("en", "English", "subs/en/index.m3u8", "subs/en/subtitles.vtt")]
    audio = [
        AudioTrack("en", "Original", "", default=True),
        AudioTrack("es", "Español", "audio/es/index.m3u8"),
    ]
    lines = render_master([HIGH], subs, audio).splitlines()
    assert lines[3] == (
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="Original",DEFAULT=YES,'
        'AUTOSELECT=YES,CHANNELS="2"'
    )
    assert lines[4].endswith(
        'NAME="Español",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio/es/index.m3u8"'
    )
    assert lines[5] == (
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,'
        'AUTOSELECT=YES,FORCED=NO,URI="subs/en/index.m3u8"'
    )
    assert 'AUDIO="aud",SUBTITLES="subs"' in lines[6]


def test_video_only_ladder_with_alternate_audio_declares_the_audio_codec() -> None:
    video_only = Variant(360, 640, 500_000, 450_000, "avc1.64001e", 25.0, "360p/index.m3u8")
    text = render_master([video_only], audio=[AudioTrack("es", "Español", "audio/es/index.m3u8")])
    assert 'CODECS="avc1.64001e,mp4a.40.2"' in text


def test_video_only_ladder_has_no_audio_codec() -> None:
    video_only = Variant(360, 640, 500_000, 450_000, "avc1.64001e", 25.0, "360p/index.m3u8")
    assert 'CODECS="avc1.64001e"' in render_master([video_only])


def test_quoted_strings_cannot_break_out_of_the_attribute() -> None:
    assert quoted('Bad "label"\nX') == "\"Bad 'label''X\""


def test_subtitle_playlist_wraps_the_whole_file_as_one_segment() -> None:
    assert render_subtitle_playlist("subtitles.vtt", 12.5) == (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:13\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:12.500,\nsubtitles.vtt\n#EXT-X-ENDLIST\n"
    )


def test_timestamp_map_is_added_after_the_header() -> None:
    text = with_timestamp_map("\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nHi\r\n", 126000)
    assert text.splitlines()[:3] == [
        "WEBVTT",
        "X-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000",
        "",
    ]


def test_an_existing_timestamp_map_is_replaced() -> None:
    source = (
        "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nA\n"
    )
    text = with_timestamp_map(source, 126000)
    assert text.count("X-TIMESTAMP-MAP") == 1
    assert "MPEGTS:126000," in text


def test_parse_media_playlist_reads_durations_and_uris() -> None:
    text = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.004000,\nseg_00000.ts\n"
        "#EXTINF:1.5,\nseg_00001.ts\n#EXT-X-ENDLIST\n"
    )
    segments = parse_media_playlist(text)
    assert [(s.uri, s.duration_s) for s in segments] == [
        ("seg_00000.ts", 4.004),
        ("seg_00001.ts", 1.5),
    ]


def test_average_bitrate_is_total_bits_over_total_time() -> None:
    assert average_bitrate([(4.0, 500_000), (2.0, 250_000)]) == 1_000_000


def test_peak_joins_a_short_last_segment_with_its_neighbour() -> None:
    # A 0.5 s last segment at 4 Mb/s alone would dominate; RFC 8216 windows are 2-6 s long here.
    segments = [(4.0, 500_000), (4.0, 500_000), (0.5, 250_000)]
    assert peak_bitrate(segments, 4.0) == round((500_000 + 250_000) * 8 / 4.5) + 1


def test_peak_is_the_busiest_window() -> None:
    segments = [(4.0, 250_000), (4.0, 1_000_000), (4.0, 250_000)]
    assert peak_bitrate(segments, 4.0) == 2_000_000


def test_peak_of_a_video_shorter_than_half_a_segment_is_its_average() -> None:
    assert peak_bitrate([(1.0, 100_000)], 4.0) == 800_000


def test_codec_string_comes_from_the_sps() -> None:
    stream = b"\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67\x64\x00\x1f\xac\xd9" + b"\x00" * 8
    sps = find_sps(stream)
    assert sps == b"\x67\x64\x00\x1f"
    assert avc1_codec(sps) == "avc1.64001f"


def test_no_sps_in_a_stream_without_one() -> None:
    assert find_sps(b"\x00\x00\x01\x65\x88\x84") is None


def test_codec_string_refuses_what_is_not_an_sps() -> None:
    with pytest.raises(ValueError, match="parameter set"):
        avc1_codec(b"\x65\x88\x84\x00")
