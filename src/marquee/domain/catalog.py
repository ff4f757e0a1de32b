"""Catalog vocabulary and pure rules: title kinds, credit roles, slugs, field checks, availability.

Checks raise ``ValueError`` with a short reason; callers attach the field name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from marquee.domain.maturity import RATING_LEVELS

FIRST_FILM_YEAR = 1870  # earliest moving pictures; anything older is a typo
YEARS_AHEAD = 5  # announced titles may carry a future year
MAX_RUNTIME_MINUTES = 1000
MAX_TAG_LENGTH = 100
MAX_SLUG_LENGTH = 64


class TitleKind(StrEnum):
    MOVIE = "movie"
    SERIES = "series"
    DOCUMENTARY = "documentary"

    def has_seasons(self) -> bool:
        """Movies are one piece; series and documentaries may be episodic."""
        return self is not TitleKind.MOVIE


class CreditRole(StrEnum):
    ACTOR = "actor"
    DIRECTOR = "director"
    WRITER = "writer"
    CREATOR = "creator"
    PRODUCER = "producer"


class Window(Protocol):
    """One availability row: a country and an optional [starts_at, ends_at) interval."""

    @property
    def country(self) -> str: ...

    @property
    def starts_at(self) -> datetime | None: ...

    @property
    def ends_at(self) -> datetime | None: ...


def slugify(name: str) -> str:
    """``"Science Fiction"`` → ``"science-fiction"``; accents dropped, other scripts kept."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[\W_]+", "-", plain.lower()).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug:
        raise ValueError("needs at least one letter or digit")
    return slug


def check_year(year: int, *, now: datetime) -> int:
    latest = now.year + YEARS_AHEAD
    if not FIRST_FILM_YEAR <= year <= latest:
        raise ValueError(f"must be between {FIRST_FILM_YEAR} and {latest}")
    return year


def check_runtime(minutes: int) -> int:
    if not 1 <= minutes <= MAX_RUNTIME_MINUTES:
        raise ValueError(f"must be between 1 and {MAX_RUNTIME_MINUTES} minutes")
    return minutes


def check_rating(rating: str) -> str:
    if rating not in RATING_LEVELS:
        raise ValueError(f"must be one of {', '.join(RATING_LEVELS)}")
    return rating


def normalise_tag(tag: str) -> str:
    """Lower-case, trimmed, inner whitespace collapsed, 1..100 characters."""
    clean = " ".join(tag.split()).lower()
    if not clean:
        raise ValueError("must not be blank")
    if len(clean) > MAX_TAG_LENGTH:
        raise ValueError(f"must be at most {MAX_TAG_LENGTH} characters")
    return clean


def unique(values: Iterable[str]) -> list[str]:
    """The values in first-seen order without repeats."""
    return list(dict.fromkeys(values))


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    """Timestamps must carry a zone, be representable in UTC, and start before they end."""
    for moment in (starts_at, ends_at):
        if moment is None:
            continue
        if moment.tzinfo is None:
            raise ValueError("timestamps need a time zone")
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("timestamp out of range") from None
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")


def is_available(windows: Iterable[Window], country: str, now: datetime) -> bool:
    """No windows at all: everywhere, always. Otherwise ``country`` needs an open window."""
    rows = list(windows)
    if not rows:
        return True
    return any(
        w.country == country
        and (w.starts_at is None or w.starts_at <= now)
        and (w.ends_at is None or now < w.ends_at)
        for w in rows
    )
