"""Progress parsing and failure reasons of the ffmpeg runner (no process involved)."""

from __future__ import annotations

from marquee.media.runner import ProgressParser, failure_reason


def feed(parser: ProgressParser, block: str) -> list[float]:
    results = [parser.feed(line) for line in block.splitlines()]
    return [r for r in results if r is not None]


def test_progress_counts_frames_of_the_first_video_output() -> None:
    parser = ProgressParser(total_frames=300, duration_s=10.0)
    assert feed(parser, "frame=75\nfps=30\nout_time_us=N/A\nprogress=continue\n") == [0.25]
    assert feed(parser, "frame=150\nout_time_us=9000000\nprogress=continue\n") == [0.5]


def test_progress_falls_back_to_output_time_for_audio_runs() -> None:
    parser = ProgressParser(duration_s=8.0)
    assert feed(parser, "out_time_us=2000000\nprogress=continue\n") == [0.25]


def test_progress_end_is_complete_and_nothing_is_reported_before_a_block_ends() -> None:
    parser = ProgressParser(total_frames=100)
    assert feed(parser, "frame=50\n") == []
    assert feed(parser, "progress=end\n") == [1.0]


def test_progress_never_exceeds_one() -> None:
    parser = ProgressParser(total_frames=100)
    assert feed(parser, "frame=130\nprogress=continue\n") == [1.0]


def test_unknown_progress_is_not_reported() -> None:
    parser = ProgressParser(total_frames=100)
    assert feed(parser, "out_time_us=N/A\nprogress=continue\n") == []


def test_failure_reason_quotes_the_last_error_lines() -> None:
    tail = [
        "",
        "[in#0] Error opening input: Invalid data",
        "Error opening input files: Invalid data",
    ]
    assert failure_reason(1, tail) == (
        "ffmpeg failed (exit status 1): [in#0] Error opening input: Invalid data | "
        "Error opening input files: Invalid data"
    )


def test_failure_reason_names_a_killing_signal() -> None:
    assert failure_reason(-9, []) == "ffmpeg was killed by signal 9"


def test_failure_reason_is_kept_short() -> None:
    reason = failure_reason(1, ["x" * 5000])
    assert len(reason) < 700
    assert reason.endswith("x")
