"""Playback rules: what a plan may stream, when progress is kept or complete, quality-of-experience
arithmetic and episode order. Pure: no I/O, time is passed in."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from marquee.domain.media import Variant

# Under this share of the running time a play is a sample, not something to come back to.
MIN_KEPT_FRACTION = 0.05
# Past this share the credits are rolling: the title counts as watched.
COMPLETE_FRACTION = 0.90
# Gaps between heartbeats longer than this many intervals are a stall or a sleep, not viewing.
MAX_GAP_INTERVALS = 3
MAX_KEPT_ERRORS = 20


@dataclass(frozen=True)
class Progress:
    """What a reported position means: a resume point to keep, or none, and completion."""

    position_s: float | None  # None: not kept (under MIN_KEPT_FRACTION, or complete)
    completed: bool


def progress_at(position_s: float, duration_s: float) -> Progress:
    """Apply the resume rules: under 5 % nothing is kept, over 90 % the title is complete."""
    if duration_s <= 0:
        return Progress(position_s=None, completed=False)
    position = min(max(position_s, 0.0), duration_s)
    share = position / duration_s
    if share > COMPLETE_FRACTION:
        return Progress(position_s=None, completed=True)
    if share < MIN_KEPT_FRACTION:
        return Progress(position_s=None, completed=False)
    return Progress(position_s=position, completed=False)


def playable_variants(variants: Sequence[Variant], max_height: int) -> list[Variant]:
    """The rungs a plan capped at ``max_height`` may receive, lowest bandwidth first."""
    return sorted((v for v in variants if v.rung <= max_height), key=lambda v: v.bandwidth)


def download_variant(
    variants: Sequence[Variant], max_height: int, requested_height: int | None
) -> Variant:
    """The rung to download: the one asked for, else the best the plan allows.

    Raises ``ValueError`` with a reason a viewer understands.
    """
    allowed = playable_variants(variants, max_height)
    if not allowed:
        raise ValueError(f"no rendition at or below {max_height}p")
    if requested_height is None:
        return max(allowed, key=lambda v: (v.rung, v.bandwidth))
    if requested_height > max_height:
        raise ValueError(f"{requested_height}p is above your plan's {max_height}p")
    for variant in allowed:
        if variant.rung == requested_height:
            return variant
    heights = ", ".join(f"{v.rung}p" for v in allowed)
    raise ValueError(f"no {requested_height}p rendition; choose one of {heights}")


def too_many_streams(active: int, plan_name: str, max_streams: int) -> str:
    screens = "screen" if active == 1 else "screens"
    return (
        f"You are already watching on {active} {screens}; your {plan_name} plan allows "
        f"{max_streams}. Stop one of them or wait until it times out."
    )


@dataclass(frozen=True)
class Qoe:
    """Quality-of-experience totals of one session, folded from its heartbeats."""

    startup_ms: int | None = None
    watch_s: float = 0.0  # time spent playing (not paused, not buffering)
    rebuffer_ms: int = 0
    rebuffer_events: int = 0
    bitrate_kbps_s: float = 0.0  # ∫ bitrate dt over watch time, for a time-weighted mean
    errors: int = 0

    @property
    def rebuffer_ratio(self) -> float:
        """Share of the time meant for watching that was spent buffering instead."""
        stalled = self.rebuffer_ms / 1000
        total = self.watch_s + stalled
        return stalled / total if total > 0 else 0.0

    @property
    def average_bitrate_kbps(self) -> float | None:
        return self.bitrate_kbps_s / self.watch_s if self.watch_s > 0 else None


@dataclass(frozen=True)
class Beat:
    """One heartbeat's figures, as the client reports them."""

    paused: bool
    bitrate_kbps: int | None
    buffering_ms: Sequence[int]
    startup_ms: int | None
    errors: int


def fold_heartbeat(qoe: Qoe, beat: Beat, *, elapsed_s: float, interval_s: float) -> Qoe:
    """Add one heartbeat; ``elapsed_s`` is the server-measured time since the previous one."""
    gap = min(max(elapsed_s, 0.0), interval_s * MAX_GAP_INTERVALS)
    stalled_ms = sum(max(ms, 0) for ms in beat.buffering_ms)
    playing = 0.0 if beat.paused else max(gap - stalled_ms / 1000, 0.0)
    bitrate = beat.bitrate_kbps or 0
    return replace(
        qoe,
        startup_ms=qoe.startup_ms if qoe.startup_ms is not None else beat.startup_ms,
        watch_s=qoe.watch_s + playing,
        rebuffer_ms=qoe.rebuffer_ms + stalled_ms,
        rebuffer_events=qoe.rebuffer_events + len(beat.buffering_ms),
        bitrate_kbps_s=qoe.bitrate_kbps_s + bitrate * playing,
        errors=qoe.errors + beat.errors,
    )


@dataclass(frozen=True)
class QoeSummary:
    """Figures over many sessions, for the admin view."""

    sessions: int
    startup_ms_p50: float | None
    startup_ms_p95: float | None
    rebuffer_ratio: float  # over all watch time, not a mean of ratios
    average_bitrate_kbps: float | None
    sessions_with_errors: int


def summarise(sessions: Sequence[Qoe]) -> QoeSummary:
    return summary_of(
        sessions=len(sessions),
        watch_s=sum(q.watch_s for q in sessions),
        rebuffer_ms=sum(q.rebuffer_ms for q in sessions),
        bitrate_kbps_s=sum(q.bitrate_kbps_s for q in sessions),
        sessions_with_errors=sum(1 for q in sessions if q.errors),
        startups_ms=[q.startup_ms for q in sessions if q.startup_ms is not None],
    )


def summary_of(
    *,
    sessions: int,
    watch_s: float,
    rebuffer_ms: int,
    bitrate_kbps_s: float,
    sessions_with_errors: int,
    startups_ms: Sequence[float],
) -> QoeSummary:
    """The summary from totals (a database can sum; only startup times are needed one by one)."""
    stalled = rebuffer_ms / 1000
    ordered = sorted(startups_ms)
    return QoeSummary(
        sessions=sessions,
        startup_ms_p50=percentile(ordered, 50),
        startup_ms_p95=percentile(ordered, 95),
        rebuffer_ratio=stalled / (watch_s + stalled) if watch_s + stalled > 0 else 0.0,
        average_bitrate_kbps=bitrate_kbps_s / watch_s if watch_s > 0 else None,
        sessions_with_errors=sessions_with_errors,
    )


def percentile(ordered: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of an ascending sequence; None when empty."""
    if not ordered:
        return None
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return float(ordered[rank - 1])


def episode_after(ordered: Sequence[int], episode_id: int) -> int | None:
    """The episode following ``episode_id`` in series order; None after the last (or unknown)."""
    try:
        index = ordered.index(episode_id)
    except ValueError:
        return None
    return ordered[index + 1] if index + 1 < len(ordered) else None
