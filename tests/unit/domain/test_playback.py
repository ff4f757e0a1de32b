"""Playback rules: resume thresholds, plan caps, downloads, QoE arithmetic, episode order."""

from __future__ import annotations

import pytest

from marquee.domain.media import Variant
from marquee.domain.playback import (
    Beat,
    Qoe,
    download_variant,
    episode_after,
    fold_heartbeat,
    percentile,
    playable_variants,
    progress_at,
    summarise,
    too_many_streams,
)


def _variant(height: int, kbps: int) -> Variant:
    return Variant(
        height=height,
        width=height * 16 // 9,
        bandwidth=kbps * 1000 * 2,
        average_bandwidth=kbps * 1000,
        codecs="avc1.64001f,mp4a.40.2",
        frame_rate=25.0,
        playlist=f"{height}p/index.m3u8",
    )


LADDER = [_variant(1080, 4500), _variant(240, 300), _variant(720, 2250), _variant(2160, 20000)]


@pytest.mark.parametrize(
    ("position", "kept", "completed"),
    [
        (0.0, None, False),
        (4.9, None, False),  # under 5 %: a sample, not kept
        (5.0, 5.0, False),
        (50.0, 50.0, False),
        (90.0, 90.0, False),  # exactly 90 % is not yet complete
        (90.1, None, True),  # over 90 %: complete, resume from the start next time
        (250.0, None, True),  # past the end is clamped
        (-3.0, None, False),
    ],
)
def test_resume_rules(position: float, kept: float | None, completed: bool) -> None:
    progress = progress_at(position, 100.0)
    assert progress.position_s == kept
    assert progress.completed is completed


def test_unknown_duration_keeps_nothing() -> None:
    assert progress_at(30.0, 0.0).position_s is None


def test_basic_plan_never_sees_above_720p() -> None:
    heights = [v.height for v in playable_variants(LADDER, 720)]
    assert heights == [240, 720]  # ordered by bandwidth


def test_download_takes_the_best_allowed_rung_or_the_one_asked_for() -> None:
    assert download_variant(LADDER, 1080, None).height == 1080
    assert download_variant(LADDER, 1080, 240).height == 240


@pytest.mark.parametrize(
    ("cap", "asked", "reason"),
    [
        (720, 1080, "1080p is above your plan's 720p"),
        (2160, 480, "no 480p rendition; choose one of 240p, 720p, 1080p, 2160p"),
        (144, None, "no rendition at or below 144p"),
    ],
)
def test_download_refusals_say_why(cap: int, asked: int | None, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        download_variant(LADDER, cap, asked)


def test_stream_limit_message_names_screens_and_plan() -> None:
    assert too_many_streams(2, "Standard", 2).startswith(
        "You are already watching on 2 screens; your Standard plan allows 2."
    )
    assert "on 1 screen;" in too_many_streams(1, "Basic", 1)


def test_qoe_folds_watch_time_rebuffering_and_weighted_bitrate() -> None:
    qoe = Qoe()
    first = Beat(paused=False, bitrate_kbps=1000, buffering_ms=[], startup_ms=800, errors=0)
    qoe = fold_heartbeat(qoe, first, elapsed_s=0, interval_s=10)
    stalled = Beat(
        paused=False, bitrate_kbps=3000, buffering_ms=[1500, 500], startup_ms=9, errors=1
    )
    qoe = fold_heartbeat(qoe, stalled, elapsed_s=10, interval_s=10)
    paused = Beat(paused=True, bitrate_kbps=3000, buffering_ms=[], startup_ms=None, errors=0)
    qoe = fold_heartbeat(qoe, paused, elapsed_s=10, interval_s=10)
    assert qoe.startup_ms == 800  # the first report wins
    assert qoe.watch_s == pytest.approx(8.0)  # 10 s less 2 s of buffering; paused time is not
    assert qoe.rebuffer_ms == 2000
    assert qoe.rebuffer_events == 2
    assert qoe.rebuffer_ratio == pytest.approx(2 / 10)
    assert qoe.average_bitrate_kbps == pytest.approx(3000)
    assert qoe.errors == 1


def test_a_long_gap_between_heartbeats_is_not_counted_as_viewing() -> None:
    beat = Beat(paused=False, bitrate_kbps=500, buffering_ms=[], startup_ms=None, errors=0)
    qoe = fold_heartbeat(Qoe(), beat, elapsed_s=3600, interval_s=10)
    assert qoe.watch_s == 30.0


def test_summary_weights_by_watch_time() -> None:
    short = Qoe(startup_ms=100, watch_s=10, rebuffer_ms=10_000, bitrate_kbps_s=10 * 1000, errors=2)
    long = Qoe(startup_ms=300, watch_s=90, rebuffer_ms=0, bitrate_kbps_s=90 * 3000)
    summary = summarise([short, long, Qoe()])
    assert summary.sessions == 3
    assert summary.startup_ms_p50 == 100
    assert summary.startup_ms_p95 == 300
    assert summary.rebuffer_ratio == pytest.approx(10 / 110)
    assert summary.average_bitrate_kbps == pytest.approx(2800)
    assert summary.sessions_with_errors == 1


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 95) == 4


def test_episode_after_follows_series_order() -> None:
    order = [11, 12, 21]
    assert episode_after(order, 11) == 12
    assert episode_after(order, 12) == 21
    assert episode_after(order, 21) is None
    assert episode_after(order, 99) is None


def test_a_portrait_rung_is_capped_by_its_short_side() -> None:
    # A phone video's 720p rung is 720x1280: a 720p plan may play it, not its 1080x1920 rung.
    portrait = [
        Variant(1280, 720, 4_500_000, 2_250_000, "avc1.64001f", 30.0, "720p/index.m3u8"),
        Variant(1920, 1080, 9_000_000, 4_500_000, "avc1.640028", 30.0, "1080p/index.m3u8"),
    ]
    assert [v.playlist for v in playable_variants(portrait, 720)] == ["720p/index.m3u8"]
    assert download_variant(portrait, 720, None).playlist == "720p/index.m3u8"
