"""Generated posters: deterministic, valid XML, escaped, readable however long the title."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from marquee.services.posters import DEFAULT_COLOUR, MAX_LINES, PALETTE, render_poster

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _title_lines(svg: str) -> list[str]:
    root = _parse(svg)
    block = next(t for t in root.iter(f"{SVG}text") if t.get("font-weight") == "700")
    return [span.text or "" for span in block.iter(f"{SVG}tspan")]


def test_same_input_gives_the_same_bytes() -> None:
    a = render_poster("Arrival", year=2016, kind="movie", genre="Science Fiction")
    b = render_poster("Arrival", year=2016, kind="movie", genre="Science Fiction")
    assert a.encode() == b.encode()


def test_poster_is_a_2_by_3_svg_without_external_resources() -> None:
    root = _parse(render_poster("Arrival", year=2016, kind="movie", genre="drama"))
    assert root.tag == f"{SVG}svg"
    assert int(root.get("width", "0")) * 3 == int(root.get("height", "0")) * 2
    svg = ET.tostring(root, encoding="unicode")
    assert "href" not in svg
    assert "@font-face" not in svg
    assert "url(#bg)" in svg


def test_year_and_kind_are_captioned() -> None:
    root = _parse(render_poster("Arrival", year=2016, kind="movie", genre=None))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "2016 · MOVIE" in texts


def test_markup_characters_are_escaped() -> None:
    name = """<script>alert("x") & 'y'</script>"""
    svg = render_poster(name, year=None, kind="series", genre='"><b>')
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == name  # type: ignore[union-attr]
    assert root.get("aria-label") == name
    assert "".join(_title_lines(svg)).replace(" ", "") == name.replace(" ", "")


def test_non_latin_titles_survive() -> None:
    for name in ("千と千尋の神隠し", "Мастер и Маргарита", "אהבה", "Amélie"):
        svg = render_poster(name, year=2001, kind="movie", genre="animation")
        assert "".join(_title_lines(svg)).replace(" ", "") == name.replace(" ", "")


def test_control_characters_are_dropped_so_the_xml_stays_valid() -> None:
    svg = render_poster("Bad\x00Title\x1b", year=None, kind="movie", genre=None)
    assert _title_lines(svg) == ["BadTitle"]


def test_long_titles_wrap_into_at_most_five_lines() -> None:
    long_name = "The Extraordinarily Long and Winding Chronicle of Everyone Who Ever Lived " * 3
    lines = _title_lines(render_poster(long_name, year=2020, kind="documentary", genre="history"))
    assert 1 < len(lines) <= MAX_LINES
    assert lines[-1].endswith("…")
    medium = "Eternal Sunshine of the Spotless Mind"
    lines = _title_lines(render_poster(medium, year=2004, kind="movie", genre="romance"))
    assert " ".join(lines) == medium
    assert len(lines) > 1


def test_a_single_huge_word_is_split_across_lines() -> None:
    lines = _title_lines(render_poster("A" * 60, year=None, kind="movie", genre=None))
    assert len(lines) > 1
    assert "".join(lines) == "A" * 60


def test_short_titles_get_bigger_type_than_long_ones() -> None:
    def size(name: str) -> int:
        root = _parse(render_poster(name, year=None, kind="movie", genre=None))
        block = next(t for t in root.iter(f"{SVG}text") if t.get("font-weight"))
        return int(block.get("font-size", "0"))

    assert size("Up") > size("Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb")


def test_genre_sets_the_colour_and_the_title_varies_it() -> None:
    def top_colour(name: str, genre: str | None) -> str:
        root = _parse(render_poster(name, year=None, kind="movie", genre=genre))
        return next(root.iter(f"{SVG}stop")).get("stop-color", "")

    assert top_colour("Alien", "horror") != top_colour("Alien", "comedy")
    horror = {top_colour(name, "horror") for name in ("Alien", "Halloween", "The Thing", "Us")}
    assert len(horror) > 1
    assert "horror" in PALETTE
    assert top_colour("X", "no such genre") == top_colour("X", None)
    assert DEFAULT_COLOUR.startswith("#")


def test_blank_title_still_renders() -> None:
    assert _title_lines(render_poster("   ", year=None, kind="movie", genre=None)) == ["Untitled"]
