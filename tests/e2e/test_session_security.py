"""The browser session's guards, checked over plain HTTP against the running server: cookie
flags, CSRF on every form, cross-site posts refused, no open redirects, API cookie rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.e2e.conftest import World

pytestmark = pytest.mark.slow
Session = tuple[httpx.Client, str, httpx.Response]


def _csrf(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path, headers={"Accept": "text/html"})
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def logged_in(server: World) -> Iterator[Session]:
    """A cookie-keeping client logged in through the form; its CSRF token; the login answer."""
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as client:
        token = _csrf(client)
        answer = client.post(
            "/login",
            data={"email": server.email, "password": server.password, "csrf_token": token},
        )
        assert answer.status_code == 303
        yield client, token, answer


def test_session_cookies_are_http_only_and_same_site(logged_in: Session) -> None:
    client, _, login = logged_in
    cookies = {c.split("=", 1)[0]: c.lower() for c in login.headers.get_list("set-cookie")}
    for name in ("mq_access", "mq_refresh"):
        assert "httponly" in cookies[name]
        assert "samesite=lax" in cookies[name]
    # Already logged in: the login page sends the browser on to the picker.
    assert client.get("/login").headers["location"] == "/profiles"


def test_a_form_without_the_csrf_token_is_refused(logged_in: Session) -> None:
    client, _, _ = logged_in
    answer = client.post("/logout", data={}, headers={"Accept": "text/html"})
    assert answer.status_code == 403
    assert "form has expired" in answer.text
    # Still logged in: the refused logout did nothing.
    assert client.get("/profiles").status_code == 200


def test_a_post_from_another_site_is_refused_even_with_the_token(logged_in: Session) -> None:
    client, token, _ = logged_in
    answer = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert client.get("/profiles").status_code == 200


def test_login_never_redirects_off_site(server: World) -> None:
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as client:
        token = _csrf(client)
        answer = client.post(
            "/login",
            data={
                "email": server.email,
                "password": server.password,
                "csrf_token": token,
                "next": "//evil.example/steal",
            },
        )
        assert answer.headers["location"] == "/profiles"


def test_the_api_takes_the_session_cookie_only_with_the_csrf_header(
    logged_in: Session, server: World
) -> None:
    client, token, _ = logged_in
    assert client.get("/v1/me").status_code == 401
    answer = client.get("/v1/me", headers={"X-CSRF-Token": token})
    assert answer.status_code == 200
    assert answer.json()["email"] == server.email


def test_a_broken_page_address_gets_an_html_page_not_json(logged_in: Session) -> None:
    client, _, _ = logged_in
    answer = client.get("/profiles/not-a-number/pin", headers={"Accept": "text/html"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "We could not find that page." in answer.text
