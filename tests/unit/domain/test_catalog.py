"""Pure catalog rules: slugs, field checks, normalisation and availability windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from marquee.domain.catalog import (
    CreditRole,
    TitleKind,
    check_rating,
    check_runtime,
    check_window,
    check_year,
    is_available,
    normalise_tag,
    slugify,
    unique,
)
from marquee.domain.locales import COUNTRIES, normalise_country, normalise_language

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class W:
    country: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Science Fiction", "science-fiction"),
        ("  Action & Adventure ", "action-adventure"),
        ("Ação", "acao"),
        ("film_noir", "film-noir"),
        ("アニメ", "アニメ"),
    ],
)
def test_slugify_makes_url_safe_lowercase_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_refuses_names_without_letters() -> None:
    with pytest.raises(ValueError, match="letter"):
        slugify(" -&- ")


def test_slugify_fits_the_slug_column() -> None:
    assert len(slugify("word " * 40)) <= 64
    assert not slugify("word " * 40).endswith("-")


def test_years_run_from_the_first_films_to_five_years_ahead() -> None:
    assert check_year(1870, now=NOW) == 1870
    assert check_year(2031, now=NOW) == 2031
    for bad in (1869, 2032):
        with pytest.raises(ValueError, match="between 1870 and 2031"):
            check_year(bad, now=NOW)


def test_runtime_is_between_one_and_a_thousand_minutes() -> None:
    assert check_runtime(1) == 1
    assert check_runtime(1000) == 1000
    for bad in (0, 1001, -5):
        with pytest.raises(ValueError, match="minutes"):
            check_runtime(bad)


def test_ratings_come_from_the_known_list() -> None:
    assert check_rating("PG-13") == "PG-13"
    with pytest.raises(ValueError, match="must be one of"):
        check_rating("pg-13")


def test_countries_are_iso_alpha2_and_upper_cased() -> None:
    assert len(COUNTRIES) == 249
    assert normalise_country("br") == "BR"
    for bad in ("XX", "USA", "U", "uk"):
        with pytest.raises(ValueError, match="ISO 3166"):
            normalise_country(bad)


@pytest.mark.parametrize(
    ("tag", "clean"),
    [("en", "en"), ("PT-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_language_tags_get_canonical_case(tag: str, clean: str) -> None:
    assert normalise_language(tag) == clean


@pytest.mark.parametrize("tag", ["english", "e", "en_US", "en-", "pt-BRA", ""])
def test_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="language tag"):
        normalise_language(tag)


def test_tags_are_lower_cased_trimmed_and_bounded() -> None:
    assert normalise_tag("  Time   Travel ") == "time travel"
    with pytest.raises(ValueError, match="blank"):
        normalise_tag("   ")
    with pytest.raises(ValueError, match="100"):
        normalise_tag("x" * 101)


def test_unique_keeps_first_seen_order() -> None:
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_vocabularies() -> None:
    assert {k.value for k in TitleKind} == {"movie", "series", "documentary"}
    assert {r.value for r in CreditRole} == {"actor", "director", "writer", "creator", "producer"}
    assert not TitleKind.MOVIE.has_seasons()
    assert TitleKind.SERIES.has_seasons()


def test_windows_need_zones_and_order() -> None:
    check_window(NOW, NOW + timedelta(days=1))
    check_window(None, None)
    with pytest.raises(ValueError, match="after"):
        check_window(NOW, NOW)
    with pytest.raises(ValueError, match="time zone"):
        check_window(datetime(2026, 1, 1), None)
    with pytest.raises(ValueError, match="range"):
        check_window(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), None)


def test_no_windows_means_available_everywhere() -> None:
    assert is_available([], "JP", NOW)


def test_windows_limit_countries_and_time() -> None:
    windows = [
        W("US"),
        W("BR", starts_at=NOW + timedelta(days=1)),
        W("PT", ends_at=NOW),
        W("FR", starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=1)),
    ]
    assert is_available(windows, "US", NOW)
    assert not is_available(windows, "JP", NOW)
    assert not is_available(windows, "BR", NOW)
    assert is_available(windows, "BR", NOW + timedelta(days=1))
    assert not is_available(windows, "PT", NOW)  # the end is exclusive
    assert is_available(windows, "FR", NOW)
