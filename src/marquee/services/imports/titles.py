"""Clean MovieLens title strings: split off the year and put moved articles back in front.

MovieLens writes ``Shawshank Redemption, The (1994)``; we store ``The Shawshank Redemption``,
year 1994. Only a trailing ``, Article`` (optionally followed by one parenthetical, such as an
original-language or a.k.a. name) is moved; anything else is left as written.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A trailing year, or a year range such as "(2006-2007)" or "(1994– )" used by series.
_YEAR = re.compile(r"^(?P<name>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?\s*)?\)\s*$")
# English articles and the common foreign ones MovieLens moves; short words that could be
# something else (Italian "I", Portuguese "O") are left alone on purpose.
_ARTICLES = "The|A|An|L'|Le|La|Les|Il|Lo|Gli|Das|Der|Die|Den|Det|El|Los|Las|Un|Une"
_MOVED_ARTICLE = re.compile(rf"^(?P<body>.+?), (?P<article>{_ARTICLES})(?P<rest> \(.*\))?$")


class CleanTitle(NamedTuple):
    name: str
    year: int | None


def split_year(raw: str) -> CleanTitle:
    """``"The Matrix (1999)"`` → ``("The Matrix", 1999)``; no year → ``(raw, None)``."""
    text = raw.strip()
    match = _YEAR.match(text)
    if match is None or not match.group("name"):
        return CleanTitle(text, None)
    return CleanTitle(match.group("name").strip(), int(match.group("year")))


def restore_article(name: str) -> str:
    """``"Shawshank Redemption, The"`` → ``"The Shawshank Redemption"``."""
    match = _MOVED_ARTICLE.match(name)
    if match is None:
        return name
    article = match.group("article")
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{match.group('body')}{match.group('rest') or ''}"


def clean_title(raw: str) -> CleanTitle:
    """The display name and year of a MovieLens title string."""
    name, year = split_year(raw)
    return CleanTitle(restore_article(name), year)
