"""The pure account rules: e-mail, password policy and profile fields."""

from __future__ import annotations

import pytest

from marquee.domain.accounts import (
    COUNTRIES,
    MAX_PROFILE_NAME,
    ProfileFields,
    default_maturity,
    default_profile_name,
    email_problem,
    language_problem,
    maturity_problem,
    normalise_country,
    normalise_email,
    normalise_language,
    password_problem,
    pin_problem,
    profile_name_problem,
    profile_problems,
)
from marquee.domain.maturity import ADULT_LEVEL, KIDS_MAX_LEVEL

EMAIL = "ada.lovelace@example.com"


def test_email_is_stored_stripped_and_lower_case() -> None:
    assert normalise_email("  Ada.Lovelace@Example.COM ") == EMAIL


@pytest.mark.parametrize(
    "email", [EMAIL, "a+tag@mail.example.co.uk", "x_y-z@sub-domain.example.org"]
)
def test_ordinary_addresses_are_accepted(email: str) -> None:
    assert email_problem(email) is None


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@-example.com",
        "ada@example..com",
        "ada\x00@example.com",
        "a" * 65 + "@example.com",
    ],
)
def test_malformed_addresses_are_refused(email: str) -> None:
    assert email_problem(email) == "is not a valid e-mail address"


def test_addresses_over_320_characters_are_refused() -> None:
    email = "a@" + ".".join(["b" * 60] * 6) + ".com"
    assert len(email) > 320
    assert email_problem(email) == "must be at most 320 characters"


def test_a_long_unusual_passphrase_is_accepted() -> None:
    assert password_problem("violet tractor 42 sings", email=EMAIL, min_length=10) is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "must be at least 10 characters"),
        ("x" * 257, "must be at most 256 characters"),
        ("aaaaaaaaaaaa", "must not repeat a single character"),
        ("Password123", "is one of the most common passwords"),
        ("qwertyuiop", "is one of the most common passwords"),
        ("my ADA.LOVELACE pass", "must not contain your e-mail address"),
        ("lone \ud800 surrogate", "contains characters that are not valid text"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    assert password_problem(password, email=EMAIL, min_length=10) == reason


def test_minimum_length_comes_from_the_caller() -> None:
    assert password_problem("twelve chars", email=EMAIL, min_length=12) is None
    assert password_problem("twelve chars", email=EMAIL, min_length=13) is not None


def test_a_very_short_local_part_does_not_forbid_passwords_containing_it() -> None:
    assert password_problem("banana bread 77", email="an@example.com", min_length=10) is None


def test_default_profile_is_named_after_the_local_part_within_the_name_limit() -> None:
    assert default_profile_name(EMAIL) == "ada.lovelace"
    assert len(default_profile_name("x" * 64 + "@example.com")) == MAX_PROFILE_NAME


@pytest.mark.parametrize("name", ["", "x" * 51, "tab\there", "bell\x07"])
def test_bad_profile_names_are_refused(name: str) -> None:
    assert profile_name_problem(name) is not None


@pytest.mark.parametrize("name", ["A", "x" * 50, "Zoë & Léa", "子供"])
def test_profile_names_of_1_to_50_printable_characters_are_fine(name: str) -> None:
    assert profile_name_problem(name) is None


def test_kids_profiles_are_capped_and_default_to_the_cap() -> None:
    assert maturity_problem(KIDS_MAX_LEVEL, is_kids=True) is None
    assert maturity_problem(13, is_kids=True) == f"a kids profile is capped at {KIDS_MAX_LEVEL}"
    assert default_maturity(is_kids=True) == KIDS_MAX_LEVEL
    assert default_maturity(is_kids=False) == ADULT_LEVEL


@pytest.mark.parametrize("level", [-1, 5, 12, 21])
def test_maturity_level_must_be_a_known_level(level: int) -> None:
    assert maturity_problem(level, is_kids=False) == "must be one of 0, 7, 13, 16, 18"


@pytest.mark.parametrize(("pin", "ok"), [("0420", True), ("123", False), ("12345", False),
                                         ("12a4", False), ("١٢٣٤", False)])  # fmt: skip
def test_pin_is_exactly_four_ascii_digits(pin: str, ok: bool) -> None:
    assert (pin_problem(pin) is None) is ok


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("en", "en"),
        ("PT-br", "pt-BR"),
        ("es-419", "es-419"),
        ("fil", "fil"),
        ("zh-hant", "zh-Hant"),
    ],
)
def test_language_tags_are_normalised_and_accepted(raw: str, tag: str) -> None:
    assert normalise_language(raw) == tag
    assert language_problem(tag) is None


@pytest.mark.parametrize("raw", ["english", "e", "en_US", "en-", "en-USA"])
def test_malformed_language_tags_are_refused(raw: str) -> None:
    assert language_problem(normalise_language(raw)) is not None


def test_countries_are_iso_alpha_2_codes() -> None:
    assert len(COUNTRIES) == 249
    assert normalise_country(" br ") == "BR"
    assert {"US", "BR", "DE", "JP"} <= COUNTRIES
    assert not {"UK", "EU", "XX", "USA"} & COUNTRIES


def test_profile_problems_name_every_bad_field() -> None:
    fields = ProfileFields(name="", is_kids=True, maturity_level=18, language="x", country="ZZ")
    assert [field for field, _ in profile_problems(fields)] == [
        "name",
        "maturity_level",
        "language",
        "country",
    ]
