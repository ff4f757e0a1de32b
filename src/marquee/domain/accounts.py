"""Pure rules for accounts and profiles: e-mail, password policy, profile fields.

Each check returns the reason a value is refused (``None`` when it is fine), so callers can name
the field; nothing here touches storage.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from marquee.domain.maturity import ADULT_LEVEL, KIDS_MAX_LEVEL, LEVELS

MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 256
MAX_PROFILES = 5
MAX_PROFILE_NAME = 50
# Shorter local parts ("al@…") would forbid too many ordinary passwords to be worth checking.
MIN_LOCAL_PART_CHECKED = 3

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"^[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-(?:[A-Z]{2}|[0-9]{3}))?$")
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

# ISO 3166-1 alpha-2: every officially assigned code.
COUNTRIES = _words(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
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
    """``PT-br`` → ``pt-BR``: language lower-case, region upper-case."""
    primary, sep, region = raw.strip().partition("-")
    return f"{primary.lower()}{sep}{region.upper()}"


def language_problem(language: str) -> str | None:
    if _LANGUAGE.fullmatch(language):
        return None
    return "must be a language tag like 'en' or 'pt-BR'"


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
