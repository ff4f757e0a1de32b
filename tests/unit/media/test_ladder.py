"""Which rungs a source gets, at what size, bit rate and frame rate."""

from __future__ import annotations

from fractions import Fraction

import pytest

from marquee.media.ladder import RUNGS, output_frame_rate, plan_ladder, scaled_size


def sizes(width: int, height: int, fps: float = 30.0, **kwargs: int) -> list[tuple[int, int]]:
    return [(r.width, r.height) for r in plan_ladder(width, height, fps, **kwargs).rungs]


def test_1080p_source_gets_every_rung_up_to_1080p() -> None:
    assert sizes(1920, 1080) == [(426, 240), (640, 360), (854, 480), (1280, 720), (1920, 1080)]


def test_2160p_source_gets_all_seven_rungs_with_the_table_bit_rates() -> None:
    ladder = plan_ladder(3840, 2160, 24.0)
    assert [r.name for r in ladder.rungs] == [f"{side}p" for side, _ in RUNGS]
    assert [r.video_kbps for r in ladder.rungs] == [kbps for _, kbps in RUNGS]
    assert (ladder.rungs[-1].width, ladder.rungs[-1].height) == (3840, 2160)


def test_max_height_caps_the_ladder() -> None:
    assert sizes(3840, 2160, max_height=720)[-1] == (1280, 720)


def test_never_upscales_a_source_between_rungs() -> None:
    assert sizes(960, 540)[-1] == (854, 480)


def test_portrait_rungs_are_bounded_by_the_short_side() -> None:
    ladder = plan_ladder(1080, 1920, 30.0)
    assert [r.name for r in ladder.rungs] == ["240p", "360p", "480p", "720p", "1080p"]
    assert [(r.width, r.height) for r in ladder.rungs] == [
        (240, 426),
        (360, 640),
        (480, 854),
        (720, 1280),
        (1080, 1920),
    ]


def test_odd_sized_source_keeps_its_aspect_with_even_sides() -> None:
    ladder = plan_ladder(853, 481, 25.0)
    assert [(r.width, r.height) for r in ladder.rungs] == [(426, 240), (638, 360), (852, 480)]
    for rung in ladder.rungs:
        assert rung.width % 2 == 0
        assert rung.height % 2 == 0
        assert abs(rung.width / rung.height - 853 / 481) / (853 / 481) < 0.01


def test_source_below_240p_gets_one_rung_at_its_own_size() -> None:
    ladder = plan_ladder(320, 180, 24.0)
    assert [(r.name, r.width, r.height) for r in ladder.rungs] == [("180p", 320, 180)]
    assert 100 <= ladder.rungs[0].video_kbps < 300


def test_tiny_odd_source_is_rounded_down_to_even() -> None:
    assert sizes(177, 101) == [(176, 100)]


def test_60fps_keeps_60fps_with_a_two_second_gop_and_more_bits() -> None:
    ladder = plan_ladder(1920, 1080, 60.0)
    assert ladder.frame_rate == 60
    assert ladder.gop_frames == 120
    assert ladder.rungs[-1].video_kbps == round(4500 * 1.5)


def test_peak_settings_stay_within_twice_the_average() -> None:
    for rung in plan_ladder(3840, 2160, 30.0).rungs:
        assert rung.maxrate_kbps <= 2 * rung.video_kbps
        assert rung.bufsize_kbps > 0


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (30.0, Fraction(30)),
        (29.97, Fraction(30000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (25.0, Fraction(25)),
        (59.94, Fraction(60000, 1001)),
        (120.0, Fraction(60)),
        (100.0, Fraction(50)),
        (15.0, Fraction(15)),
    ],
)
def test_output_frame_rate_snaps_to_natural_rates_and_never_exceeds_60(
    source: float, expected: Fraction
) -> None:
    assert output_frame_rate(source) == expected


def test_gop_of_ntsc_rate_is_two_seconds_of_frames() -> None:
    assert plan_ladder(1280, 720, 29.97).gop_frames == 60


def test_scaled_size_never_exceeds_the_source_by_rounding() -> None:
    assert scaled_size(1919, 1080, 1080) == (1918, 1080)


def test_unusable_frame_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="frame rate"):
        output_frame_rate(0.0)
