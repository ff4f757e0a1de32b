"""The web session's pure pieces: CSRF tokens and the local-only redirect targets."""

from __future__ import annotations

import pytest

from marquee.web.render import local_path
from marquee.web.session import csrf_token_is_genuine, new_csrf_token

SECRET = "unit-secret-" + "z" * 40


def test_a_minted_csrf_token_is_genuine_and_unique() -> None:
    first, second = new_csrf_token(SECRET), new_csrf_token(SECRET)
    assert first != second
    assert csrf_token_is_genuine(SECRET, first)


@pytest.mark.parametrize(
    "token",
    ["", "nonce-only", "nonce.", ".signature", "abc.0123456789abcdef0123456789abcdef"],
)
def test_a_forged_or_planted_csrf_token_is_not_genuine(token: str) -> None:
    assert not csrf_token_is_genuine(SECRET, token)


def test_a_token_from_another_secret_is_not_genuine() -> None:
    assert not csrf_token_is_genuine(SECRET, new_csrf_token("another-" + "s" * 40))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/title/3", "/title/3"),
        ("/watch/3?episode=9", "/watch/3?episode=9"),
        (None, "/browse"),
        ("", "/browse"),
        ("https://evil.example/", "/browse"),
        ("//evil.example/", "/browse"),
        ("/\\evil.example", "/browse"),
        ("javascript:alert(1)", "/browse"),
        ("title/3", "/browse"),
    ],
)
def test_redirect_targets_stay_on_this_site(target: str | None, expected: str) -> None:
    assert local_path(target, "/browse") == expected
