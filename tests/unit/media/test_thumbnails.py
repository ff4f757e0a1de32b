"""Poster and scrub-thumbnail plans and the WebVTT sprite index."""

from __future__ import annotations

from marquee.media.thumbnails import (
    plan_poster,
    plan_thumbnails,
    render_thumbnails_vtt,
    vtt_timestamp,
)


def test_poster_is_taken_at_a_tenth_of_the_running_time_and_at_most_720p() -> None:
    poster = plan_poster(3600.0, 3840, 2160)
    assert (poster.time_s, poster.width, poster.height) == (360.0, 1280, 720)


def test_poster_of_a_small_source_keeps_its_size() -> None:
    poster = plan_poster(10.0, 320, 180)
    assert (poster.width, poster.height) == (320, 180)


def test_thumbnails_every_two_seconds_for_short_videos() -> None:
    plan = plan_thumbnails(25.0, 1920, 1080)
    assert (plan.interval_s, plan.width, plan.height, plan.count) == (2, 160, 90, 13)
    assert (plan.columns, plan.rows) == (10, 2)


def test_long_videos_space_thumbnails_out_to_keep_one_sprite_small() -> None:
    plan = plan_thumbnails(2 * 3600.0, 1920, 1080)
    assert plan.interval_s == 12
    assert plan.count == 600


def test_portrait_thumbnails_are_tall() -> None:
    plan = plan_thumbnails(10.0, 1080, 1920)
    assert (plan.width, plan.height) == (90, 160)


def test_short_video_sprite_is_one_row_as_wide_as_its_thumbnails() -> None:
    plan = plan_thumbnails(3.0, 640, 360)
    assert (plan.count, plan.columns, plan.rows) == (2, 2, 1)


def test_vtt_cues_point_at_consecutive_tiles_row_by_row() -> None:
    plan = plan_thumbnails(25.0, 1920, 1080)
    vtt = render_thumbnails_vtt(plan, plan.count, 25.0)
    blocks = vtt.split("\n\n")
    assert blocks[0] == "WEBVTT"
    assert blocks[1] == "00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,160,90"
    assert blocks[10] == "00:00:18.000 --> 00:00:20.000\nsprite.jpg#xywh=1440,0,160,90"
    assert blocks[11] == "00:00:20.000 --> 00:00:22.000\nsprite.jpg#xywh=0,90,160,90"
    assert blocks[13] == "00:00:24.000 --> 00:00:25.000\nsprite.jpg#xywh=320,90,160,90\n"


def test_vtt_has_no_cue_past_the_end_even_if_ffmpeg_cut_one_more_thumbnail() -> None:
    plan = plan_thumbnails(4.0, 640, 360)
    vtt = render_thumbnails_vtt(plan, plan.count + 1, 4.0)
    assert vtt.count("-->") == 2


def test_vtt_timestamps_carry_hours() -> None:
    assert vtt_timestamp(3725.5) == "01:02:05.500"


def test_sprite_tiles_fill_rows_left_to_right() -> None:
    from marquee.media.sprite import tile_positions

    plan = plan_thumbnails(25.0, 1920, 1080)
    positions = tile_positions(plan.count, plan)
    assert positions[0] == (0, 0)
    assert positions[1] == (plan.width, 0)
    assert positions[plan.columns] == (0, plan.height)
    assert len(set(positions)) == plan.count
