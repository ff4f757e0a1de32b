"""Server-side SVG charts and the template filters: geometry and wording a person reads."""

from __future__ import annotations

from datetime import date

import pytest

from marquee.web.charts import HEIGHT, PAD_BOTTOM, bar_chart, nice_ceiling
from marquee.web.pages.studio import _artwork_problem, artwork_type
from marquee.web.render import clock, day, money

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 20
WEBP = b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 20


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 0), (1, 1), (3, 5), (7, 10), (12, 20), (240, 250), (0.03, 0.05)]
)
def test_the_scale_rounds_up_to_a_number_people_read_easily(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_bars_are_scaled_to_the_rounded_maximum_and_sit_on_the_baseline() -> None:
    chart = bar_chart("Sessions", [("Mon", 2), ("Tue", 4), ("Wed", 0)])
    tall, short, empty = (chart.bars[1], chart.bars[0], chart.bars[2])
    assert tall.height == pytest.approx(2 * short.height)
    assert empty.height == 0
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(HEIGHT - PAD_BOTTOM)
    assert [t.text for t in chart.ticks] == ["0", "2.5", "5"]
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x


def test_an_empty_chart_still_has_distinct_ticks() -> None:
    chart = bar_chart("Nothing yet", [("a", 0), ("b", 0)])
    assert len({t.text for t in chart.ticks}) == 3
    assert all(b.height == 0 for b in chart.bars)


def test_money_dates_and_clock_times_read_naturally() -> None:
    assert money(999, "USD") == "$9.99"
    assert money(1299, "EUR") == "€12.99"
    assert money(500, "CHF") == "5.00 CHF"
    assert day(date(2026, 11, 21)) == "21 November 2026"
    assert day(None) == ""
    assert clock(75) == "1:15"
    assert clock(3725) == "1:02:05"


@pytest.mark.parametrize(
    ("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_artwork_is_recognised_by_its_content_not_its_name(data: bytes, kind: str) -> None:
    assert _artwork_problem(data) is None
    assert artwork_type(data) == kind


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "Choose an image"),
        (b"GIF89a" + b"\0" * 20, "not a PNG, JPEG or WebP"),
        (b"RIFF\x10\0\0\0WAVEfmt " + b"\0" * 20, "not a PNG, JPEG or WebP"),
        (PNG + b"\0" * (2 * 1024 * 1024), "larger than 2 MB"),
    ],
)
def test_bad_artwork_gets_a_reason(data: bytes, reason: str) -> None:
    problem = _artwork_problem(data)
    assert problem is not None
    assert reason in problem
