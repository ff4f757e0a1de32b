"""Generated SVG posters for titles without artwork: deterministic, self-contained, readable.

The background is a gradient from the genre's palette colour, shifted by a hash of the title so
titles of one genre still look different; the title is wrapped into at most five lines.
"""

from __future__ import annotations

import colorsys
import hashlib
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from marquee.domain.catalog import slugify

WIDTH, HEIGHT = 400, 600
MARGIN = 36
MAX_LINES = 5
FONT_SIZES = (56, 48, 42, 36, 30, 26, 22)  # largest first; the first that fits wins
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
ELLIPSIS = "…"

# Palette, keyed by genre slug: hue-led colours people tend to associate with each genre.
PALETTE: dict[str, str] = {
    "action": "#c0392b",
    "adventure": "#d35400",
    "animation": "#f39c12",
    "comedy": "#f1c40f",
    "crime": "#34495e",
    "documentary": "#16a085",
    "drama": "#8e44ad",
    "family": "#27ae60",
    "fantasy": "#6c3483",
    "history": "#a0522d",
    "horror": "#641e16",
    "kids": "#2ecc71",
    "music": "#e84393",
    "mystery": "#2c3e50",
    "romance": "#e74c3c",
    "science-fiction": "#2980b9",
    "thriller": "#1b2631",
    "war": "#566573",
    "western": "#b9770e",
}
DEFAULT_COLOUR = "#4a5568"  # no genre, or one the palette does not know


@dataclass(frozen=True)
class _Layout:
    size: int
    lines: list[str]


def render_poster(title: str, *, year: int | None, kind: str, genre: str | None) -> str:
    """A 400×600 SVG poster; the same arguments always give the same text."""
    clean_title = _xml_safe(title).strip() or "Untitled"
    digest = hashlib.sha256(clean_title.encode()).digest()
    top, bottom = _gradient(_genre_colour(genre), digest)
    layout = _fit(clean_title)
    caption = " · ".join(part for part in (str(year) if year else "", kind.upper()) if part)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(clean_title)}>',
            f"<title>{escape(clean_title)}</title>",
            '<defs><linearGradient id="bg" x1="0" y1="0" x2="0.4" y2="1">'
            f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
            "</linearGradient></defs>",
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/>',
            _title_block(layout),
            f'<text x="{MARGIN}" y="{HEIGHT - MARGIN}" font-family="{FONT_FAMILY}" '
            f'font-size="18" letter-spacing="2" fill="#ffffff" fill-opacity="0.8">'
            f"{escape(_xml_safe(caption))}</text>",
            "</svg>",
            "",
        ]
    )


def _genre_colour(genre: str | None) -> str:
    if not genre:
        return DEFAULT_COLOUR
    try:
        return PALETTE.get(slugify(genre), DEFAULT_COLOUR)
    except ValueError:
        return DEFAULT_COLOUR


def _gradient(base: str, digest: bytes) -> tuple[str, str]:
    """Two colours: the genre colour nudged in hue and lightness by the title's hash."""
    r, g, b = (int(base[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    hue = (hue + (digest[0] - 128) / 128 * 0.05) % 1.0  # ±18°
    light = min(0.6, max(0.2, light + (digest[1] - 128) / 128 * 0.08))
    top = colorsys.hls_to_rgb(hue, light, sat)
    bottom = colorsys.hls_to_rgb((hue + 0.04) % 1.0, light * 0.35, sat)
    return _hex(top), _hex(bottom)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def _title_block(layout: _Layout) -> str:
    line_height = round(layout.size * 1.15)
    first_baseline = HEIGHT // 2 - (len(layout.lines) - 1) * line_height // 2
    spans = "".join(
        f'<tspan x="{MARGIN}" y="{first_baseline + i * line_height}">{escape(line)}</tspan>'
        for i, line in enumerate(layout.lines)
    )
    return (
        f'<text font-family="{FONT_FAMILY}" font-size="{layout.size}" font-weight="700" '
        f'fill="#ffffff">{spans}</text>'
    )


def _fit(title: str) -> _Layout:
    """The largest font size whose wrapping needs at most ``MAX_LINES`` lines."""
    usable = WIDTH - 2 * MARGIN
    for size in FONT_SIZES:
        lines = _wrap(title, usable / size)
        if len(lines) <= MAX_LINES:
            return _Layout(size, lines)
    size = FONT_SIZES[-1]
    lines = _wrap(title, usable / size)[:MAX_LINES]
    lines[-1] = _truncate(lines[-1], usable / size - _em(ELLIPSIS)) + ELLIPSIS
    return _Layout(size, lines)


def _wrap(text: str, width_em: float) -> list[str]:
    """Greedy word wrap; a word wider than a line is split across lines."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        for piece in _split_word(word, width_em):
            candidate = f"{current} {piece}" if current else piece
            if _em(candidate) <= width_em:
                current = candidate
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def _split_word(word: str, width_em: float) -> list[str]:
    pieces: list[str] = []
    while _em(word) > width_em:
        cut = _truncate(word, width_em)
        if not cut:
            break
        pieces.append(cut)
        word = word[len(cut) :]
    return [*pieces, word] if word else pieces


def _truncate(text: str, width_em: float) -> str:
    out = ""
    for char in text:
        if _em(out + char) > width_em:
            break
        out += char
    return out.rstrip()


def _em(text: str) -> float:
    """Approximate rendered width in ems: wide (CJK) characters count double a Latin one."""
    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.6 for c in text)


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return "".join(
        c
        for c in text
        if (c in "\t\n" or ord(c) >= 0x20)
        and not 0xD800 <= ord(c) <= 0xDFFF
        and c not in "\ufffe\uffff"
    )
