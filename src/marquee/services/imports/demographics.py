"""Age bands shared by every importer: profiles store a band, never an exact age."""

from __future__ import annotations

AGE_BANDS: tuple[tuple[int, str], ...] = (
    (18, "under-18"),
    (25, "18-24"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
    (65, "55-64"),
)
OLDEST_BAND = "65+"


def age_band(age: int | None) -> str | None:
    """The band an age falls in: 17 → ``under-18``, 30 → ``25-34``, 70 → ``65+``."""
    if age is None:
        return None
    for upper, band in AGE_BANDS:
        if age < upper:
            return band
    return OLDEST_BAND


def all_bands() -> tuple[str, ...]:
    return (*(band for _, band in AGE_BANDS), OLDEST_BAND)
