"""Pure rules for accounts and profiles: e-mail, password policy, profile fields.

Each check returns the reason a value is refused (``None`` when it is fine), so callers can name
the field; nothing here touches storage.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from marquee.domain import locales
from marquee.domain.locales import COUNTRIES
from marquee.domain.maturity import ADULT_LEVEL, KIDS_MAX_LEVEL, LEVELS

MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 256
MAX_PROFILES = 5
MAX_PROFILE_NAME = 50
# Shorter local parts ("al@…") would forbid too many ordinary passwords to be worth checking.
MIN_LOCAL_PART_CHECKED = 3

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"^[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_PIN = re.compile(r"^[0-9]{4}$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The most common leaked passwords that a length rule alone would let through.
COMMON_PASSWORDS = _words(
    """
    password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword123
    12345678 123456789 1234567890 0987654321 123123123 1234512345 12341234 qwerty123 qwerty1234
    qwertyuiop 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qaz2wsx3edc qazwsxedc asdfghjkl zxcvbnm123
    iloveyou iloveyou1 iloveyou12 sunshine football baseball princess superman welcome
    welcome1 welcome123 letmein letmein123 trustno1 changeme changeme123 administrator
    abc12345 abcd1234 abc1234567 abcdefghij monkey123 dragon123 master123 starwars123
    """
)


def normalise_email(raw: str) -> str:
    """The form an address is stored and looked up in: stripped and lower-case."""
    return raw.strip().lower()


def email_problem(email: str) -> str | None:
    """Why a normalised address is refused, or None."""
    if len(email) > MAX_EMAIL_LENGTH:
        return f"must be at most {MAX_EMAIL_LENGTH} characters"
    if not _EMAIL.fullmatch(email):
        return "is not a valid e-mail address"
    return None


def local_part(email: str) -> str:
    return email.rsplit("@", 1)[0]


def password_problem(password: str, *, email: str, min_length: int) -> str | None:
    """Why a new password is refused, or None. ``email`` is the account's normalised address."""
    if len(password) < min_length:
        return f"must be at least {min_length} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    if not _is_encodable(password):
        return "contains characters that are not valid text"
    if len(set(password)) == 1:
        return "must not repeat a single character"
    if password.lower() in COMMON_PASSWORDS:
        return "is one of the most common passwords"
    name = local_part(email)
    if len(name) >= MIN_LOCAL_PART_CHECKED and name in password.lower():
        return "must not contain your e-mail address"
    return None


def _is_encodable(text: str) -> bool:
    # A lone surrogate (possible in JSON) cannot be stored or hashed as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def default_profile_name(email: str) -> str:
    """The first profile of a new account is named after the e-mail's local part."""
    return local_part(email)[:MAX_PROFILE_NAME]


def profile_name_problem(name: str) -> str | None:
    if not 1 <= len(name) <= MAX_PROFILE_NAME:
        return f"must be 1 to {MAX_PROFILE_NAME} characters"
    if not _is_encodable(name) or any(unicodedata.category(c).startswith("C") for c in name):
        return "must not contain control characters"
    return None


def maturity_problem(level: int, *, is_kids: bool) -> str | None:
    if level not in LEVELS:
        return f"must be one of {', '.join(map(str, LEVELS))}"
    if is_kids and level > KIDS_MAX_LEVEL:
        return f"a kids profile is capped at {KIDS_MAX_LEVEL}"
    return None


def default_maturity(*, is_kids: bool) -> int:
    return KIDS_MAX_LEVEL if is_kids else ADULT_LEVEL


def pin_problem(pin: str) -> str | None:
    return None if _PIN.fullmatch(pin) else "must be exactly 4 digits"


def normalise_language(raw: str) -> str:
    """``PT-br`` → ``pt-BR``; a malformed tag comes back trimmed for ``language_problem``."""
    try:
        return locales.normalise_language(raw)
    except ValueError:
        return raw.strip()


def language_problem(language: str) -> str | None:
    try:
        locales.normalise_language(language)
    except ValueError:
        return "must be a language tag like 'en' or 'pt-BR'"
    return None


def normalise_country(raw: str) -> str:
    return raw.strip().upper()


def country_problem(country: str) -> str | None:
    return None if country in COUNTRIES else "must be an ISO 3166 alpha-2 code like 'US'"


@dataclass(frozen=True)
class ProfileFields:
    """A profile's editable fields after normalisation, as they will be stored."""

    name: str
    is_kids: bool
    maturity_level: int
    language: str
    country: str


def profile_problems(fields: ProfileFields) -> list[tuple[str, str]]:
    """Every (field, reason) that makes ``fields`` invalid; empty when they are fine."""
    checks = {
        "name": profile_name_problem(fields.name),
        "maturity_level": maturity_problem(fields.maturity_level, is_kids=fields.is_kids),
        "language": language_problem(fields.language),
        "country": country_problem(fields.country),
    }
    return [(field, reason) for field, reason in checks.items() if reason is not None]
