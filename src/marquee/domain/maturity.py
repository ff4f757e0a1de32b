"""Maturity ratings and levels: what a profile may watch.

A title's rating maps to a level (the minimum age it suits); a profile has a maximum level.
Kids profiles are capped at ``KIDS_MAX_LEVEL``.
"""

from __future__ import annotations

LEVELS: tuple[int, ...] = (0, 7, 13, 16, 18)
KIDS_MAX_LEVEL = 7
ADULT_LEVEL = 18

RATING_LEVELS: dict[str, int] = {
    # MPA film ratings
    "G": 0,
    "PG": 7,
    "PG-13": 13,
    "R": 16,
    "NC-17": 18,
    # US TV parental guidelines
    "TV-Y": 0,
    "TV-Y7": 7,
    "TV-G": 0,
    "TV-PG": 7,
    "TV-14": 13,
    "TV-MA": 18,
    # Not rated: treated as adult until someone rates it
    "NR": 18,
}


def level_of(rating: str) -> int:
    """The level of a rating; raises KeyError naming the unknown rating."""
    try:
        return RATING_LEVELS[rating]
    except KeyError:
        raise KeyError(f"unknown maturity rating {rating!r}") from None


def may_watch(profile_level: int, title_level: int) -> bool:
    return title_level <= profile_level
