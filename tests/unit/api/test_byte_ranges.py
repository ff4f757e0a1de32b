"""Parsing the Range header of the media edge (RFC 9110 single byte ranges)."""

from __future__ import annotations

import pytest

from marquee.api.routes.media_edge import Unsatisfiable, byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 100)),
        ("bytes=10-", (10, 1000)),
        ("bytes=900-5000", (900, 1000)),  # clipped to the end
        ("bytes=-100", (900, 1000)),
        ("bytes=-5000", (0, 1000)),
        ("bytes=0-1,5-6", None),  # multi-range: the whole object
        ("items=0-1", None),  # another unit: ignored
        ("bytes=abc", None),
        ("bytes=-", None),
    ],
)
def test_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=2000-3000", "bytes=-0", "bytes=5-4"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        byte_range(header, 1000)
