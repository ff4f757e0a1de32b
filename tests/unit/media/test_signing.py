"""Signed media URLs: what a signature grants, and every way a URL is refused."""

from __future__ import annotations

import pytest

from marquee.media.signing import SignatureError, UrlSigner, derive_key

NOW = 1_800_000_000
SESSION = "sess-0123456789"
signer = UrlSigner(derive_key("test-secret-" + "x" * 40))


def _tail(url: str) -> str:
    return url.removeprefix("/media/s/")


def test_a_signature_covers_its_scope_and_everything_below() -> None:
    url = signer.url(session=SESSION, expires=NOW + 60, scope="media/7/v1/720p", path="a.ts")
    assert url.startswith(f"/media/s/{SESSION}/{NOW + 60}/")
    assert url.endswith("/media/7/v1/720p/a.ts")
    checked = signer.verify(_tail(url), now=NOW)
    assert (checked.session, checked.scope, checked.key) == (
        SESSION,
        "media/7/v1/720p",
        "media/7/v1/720p/a.ts",
    )
    # A relative URI in the media playlist resolves beside it and keeps the token.
    sibling = url.rsplit("/", 1)[0] + "/seg_00002.ts"
    assert signer.verify(_tail(sibling), now=NOW).key == "media/7/v1/720p/seg_00002.ts"


def test_a_file_scope_grants_only_that_file() -> None:
    url = signer.url(session=SESSION, expires=NOW + 60, scope="media/7/v1/poster.jpg")
    assert signer.verify(_tail(url), now=NOW).key == "media/7/v1/poster.jpg"
    other = url.replace("poster.jpg", "master.m3u8")
    with pytest.raises(SignatureError, match="does not match"):
        signer.verify(_tail(other), now=NOW)


def _variants(url: str) -> dict[str, str]:
    session, expires, sig, _ = _tail(url).split("/", 3)
    return {
        "other prefix": url.replace("/720p/", "/1080p/"),
        "other session": url.replace(session, "sess-9999999999"),
        "later expiry": url.replace(f"/{expires}/", f"/{int(expires) + 3600}/"),
        "tampered signature": url.replace(sig, ("A" if sig[0] != "A" else "B") + sig[1:]),
        "dot segments": url.replace("/720p/", "/720p/../1080p/"),
        "empty segment": url.replace("/720p/", "/720p//"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "other prefix",
        "other session",
        "later expiry",
        "tampered signature",
        "dot segments",
        "empty segment",
    ],
)
def test_any_change_to_a_signed_url_is_refused(case: str) -> None:
    url = signer.url(session=SESSION, expires=NOW + 60, scope="media/7/v1/720p", path="a.ts")
    with pytest.raises(SignatureError):
        signer.verify(_tail(_variants(url)[case]), now=NOW)


def test_an_expired_url_is_refused() -> None:
    url = signer.url(session=SESSION, expires=NOW, scope="media/7/v1/720p", path="a.ts")
    with pytest.raises(SignatureError, match="expired"):
        signer.verify(_tail(url), now=NOW)


def test_another_key_does_not_verify() -> None:
    url = signer.url(session=SESSION, expires=NOW + 60, scope="media/7", path="a.ts")
    with pytest.raises(SignatureError):
        UrlSigner(derive_key("another-secret-" + "y" * 40)).verify(_tail(url), now=NOW)


@pytest.mark.parametrize(
    "tail",
    ["", "onlysession", f"{SESSION}/soon/sig/a.ts", f"{SESSION}/12\n/{'A' * 43}/a.ts", "a/b/c"],
)
def test_malformed_paths_are_refused(tail: str) -> None:
    with pytest.raises(SignatureError):
        signer.verify(tail, now=NOW)


def test_signing_refuses_bad_session_ids_and_escaping_scopes() -> None:
    with pytest.raises(ValueError, match="session id"):
        signer.url(session="short", expires=NOW, scope="media")
    with pytest.raises(ValueError, match="malformed"):
        signer.url(session=SESSION, expires=NOW, scope="media/../secrets")


def test_the_signature_format_is_pinned_for_the_nginx_edge() -> None:
    # deploy/nginx/marquee_edge.js computes the same bytes: HMAC-SHA256 over
    # "v1|{session}|{expires}|{scope}", base64url without padding. Changing it breaks the edge.
    sig = UrlSigner(bytes(range(32))).signature(
        session="abcdefgh", expires=1700000000, scope="media/1"
    )
    assert sig == "7TyMIkcTJuOsstxRxO55nL1dfrwvTTldzS8qb4VwKnQ"
