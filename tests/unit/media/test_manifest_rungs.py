"""The manifest's rung rule: plan caps compare the short side, so portrait is capped fairly."""

from __future__ import annotations

from marquee.domain.media import Manifest, Variant


def variant(width: int, height: int) -> Variant:
    return Variant(height, width, 1, 1, "avc1.64001f", 30.0, f"{min(width, height)}p/index.m3u8")


def test_a_portrait_720p_rung_is_allowed_on_a_720p_plan() -> None:
    manifest = Manifest(
        prefix="media/1/v1",
        master="master.m3u8",
        duration_s=10.0,
        variants=[variant(360, 640), variant(720, 1280), variant(1080, 1920)],
    )
    assert [v.rung for v in manifest.variants] == [360, 720, 1080]
    assert [v.playlist for v in manifest.variants_up_to(720)] == [
        "360p/index.m3u8",
        "720p/index.m3u8",
    ]


def test_landscape_rungs_are_their_height() -> None:
    assert variant(1920, 1080).rung == 1080
