"""Charts drawn on the server as inline SVG geometry: bars and their labels, no chart library.

Each function returns plain numbers the ``_charts.html`` macros turn into ``<svg>``; the data
also goes into a visually hidden table, so a screen reader gets the figures, not a picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 44
PAD_BOTTOM = 28
PAD_TOP = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    text: str  # the value as a person reads it ("1.2 s")


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - PAD_BOTTOM
    left: float = PAD_LEFT


def bar_chart(
    title: str, points: Sequence[tuple[str, float]], *, unit: str = "", decimals: int = 0
) -> BarChart:
    """Vertical bars for ``(label, value)`` points, scaled to a rounded maximum."""
    # An empty chart still gets a scale; counts get at least 0, 1, 2 so the ticks differ.
    top = nice_ceiling(max((v for _, v in points), default=0.0)) or 1.0
    if decimals == 0:
        top = max(top, 2.0)
    plot_w = WIDTH - PAD_LEFT - 8
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / max(1, len(points))
    bars = []
    for i, (label, value) in enumerate(points):
        h = 0.0 if top == 0 else plot_h * max(0.0, value) / top
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(PAD_LEFT + i * slot + slot * 0.15, 1),
                y=round(HEIGHT - PAD_BOTTOM - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                text=f"{value:,.{decimals}f}{unit}",
            )
        )
    ticks = [
        Tick(round(HEIGHT - PAD_BOTTOM - plot_h * f, 1), _number(top * f, decimals))
        for f in (0.0, 0.5, 1.0)
    ]
    return BarChart(title, unit, bars, ticks)


def _number(value: float, decimals: int) -> str:
    """``2.5`` stays ``2.5`` on a whole-number axis rather than rounding to a wrong ``2``."""
    if decimals == 0 and value != int(value):
        return f"{value:,.1f}"
    return f"{value:,.{decimals}f}"


def nice_ceiling(value: float) -> float:
    """The next "round" number at or above ``value`` (1, 2, 2.5, 5 × a power of ten)."""
    if value <= 0:
        return 0.0
    power = 10.0 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    if value < 1:
        power = 0.1
        while power > value:
            power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass(frozen=True)
class Whisker:
    """A confidence interval drawn over a bar: from ``bottom`` up to ``top`` (SVG y)."""

    x: float
    top: float
    bottom: float
    text: str  # "0.12–0.15"


@dataclass(frozen=True)
class IntervalChart:
    chart: BarChart
    whiskers: list[Whisker]


def interval_chart(
    title: str, points: Sequence[tuple[str, float, float, float]], *, decimals: int = 2
) -> IntervalChart:
    """Bars for ``(label, value, low, high)`` with their intervals as whiskers (one scale)."""
    top = nice_ceiling(max((max(v, hi) for _, v, _, hi in points), default=0.0)) or 1.0
    chart = bar_chart(title, [(label, v) for label, v, _, _ in points], decimals=decimals)
    chart = BarChart(chart.title, chart.unit, _rescale(chart.bars, top), _ticks(top, decimals))
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    whiskers = [
        Whisker(
            x=round(bar.x + bar.width / 2, 1),
            top=round(HEIGHT - PAD_BOTTOM - plot_h * max(0.0, hi) / top, 1),
            bottom=round(HEIGHT - PAD_BOTTOM - plot_h * max(0.0, lo) / top, 1),
            text=f"{lo:,.{decimals}f}–{hi:,.{decimals}f}",
        )
        for bar, (_, _, lo, hi) in zip(chart.bars, points, strict=True)
    ]
    return IntervalChart(chart, whiskers)


def _rescale(bars: list[Bar], top: float) -> list[Bar]:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    out = []
    for bar in bars:
        h = round(plot_h * max(0.0, bar.value) / top, 1)
        out.append(
            Bar(
                bar.label,
                bar.value,
                bar.x,
                round(HEIGHT - PAD_BOTTOM - h, 1),
                bar.width,
                h,
                bar.text,
            )
        )
    return out


def _ticks(top: float, decimals: int) -> list[Tick]:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    return [
        Tick(round(HEIGHT - PAD_BOTTOM - plot_h * f, 1), _number(top * f, decimals))
        for f in (0.0, 0.5, 1.0)
    ]
