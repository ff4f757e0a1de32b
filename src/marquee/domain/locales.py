"""Countries and languages: ISO 3166-1 alpha-2 codes and a practical subset of BCP 47 tags.

Shared by profiles (their country and language) and the catalog (availability, audio languages).
"""

from __future__ import annotations

import re

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_CODES = """
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
COUNTRIES: frozenset[str] = frozenset(_COUNTRY_CODES.split())

# A practical subset of BCP 47: language[-Script][-REGION], e.g. en, pt-BR, zh-Hant-TW, es-419.
_LANGUAGE = re.compile(r"([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|[0-9]{3}))?", re.IGNORECASE)


def normalise_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    upper = code.strip().upper()
    if upper not in COUNTRIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as US or BR")
    return upper


def normalise_language(tag: str) -> str:
    """``pt-br`` → ``pt-BR``, ``zh-hant`` → ``zh-Hant``; rejects anything else."""
    match = _LANGUAGE.fullmatch(tag.strip())
    if match is None:
        raise ValueError("must be a language tag such as en, pt-BR or zh-Hant")
    language, script, region = match.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)
