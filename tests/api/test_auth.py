"""Sign-up, login, refresh-token rotation and reuse detection, logout, token forgery, throttling."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.config import Settings
from marquee.domain.roles import Role
from marquee.services.auth import CLIENT_ALLOWANCE, WRONG_CREDENTIALS
from tests.api.accounts_api import PASSWORD, login, new_email, refresh, signup


def _me(client: TestClient, token: str) -> int:
    return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _fields(response_json: dict[str, object]) -> set[str]:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return {e["field"] for e in errors}


# --- sign-up ------------------------------------------------------------------------------


def test_signup_creates_a_viewer_with_one_profile_and_working_tokens(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/signup", json={"email": "  Grace.Hopper@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["account"]["email"] == "grace.hopper@example.com"
    assert body["account"]["role"] == "viewer"
    assert body["tokens"]["token_type"] == "bearer"
    assert body["tokens"]["expires_in"] == 900
    headers = {"Authorization": f"Bearer {body['tokens']['access_token']}"}
    profiles = client.get("/v1/profiles", headers=headers).json()
    assert [p["name"] for p in profiles["data"]] == ["grace.hopper"]
    assert "hash" not in response.text


def test_duplicate_email_is_409_whatever_its_case(client: TestClient) -> None:
    signup(client, "taken@example.com")
    response = client.post(
        "/v1/auth/signup", json={"email": "TAKEN@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert _fields(response.json()) == {"body.email"}


@pytest.mark.parametrize(
    "password", ["short", "password123", "zzzzzzzzzzzz", "my name is hopper-grace ok"]
)
def test_weak_password_is_422_naming_body_password(client: TestClient, password: str) -> None:
    response = client.post(
        "/v1/auth/signup", json={"email": "hopper-grace@example.com", "password": password}
    )
    assert response.status_code == 422
    assert _fields(response.json()) == {"body.password"}


def test_malformed_email_is_422_naming_body_email(client: TestClient) -> None:
    response = client.post("/v1/auth/signup", json={"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 422
    assert _fields(response.json()) == {"body.email"}


def test_unknown_field_is_422_naming_it(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/signup", json={"email": new_email(), "password": PASSWORD, "role": "admin"}
    )
    assert response.status_code == 422
    assert "body.role" in _fields(response.json())


def test_spaces_around_a_password_are_part_of_it(client: TestClient) -> None:
    session = signup(client, password="  spaced passphrase  ")
    wrong = client.post(
        "/v1/auth/login", json={"email": session.email, "password": "spaced passphrase"}
    )
    assert wrong.status_code == 401
    assert login(client, session.email, "  spaced passphrase  ").account_id == session.account_id


# --- login --------------------------------------------------------------------------------


def test_login_returns_a_pair_that_opens_the_account(client: TestClient) -> None:
    created = signup(client)
    session = login(client, created.email.upper())
    assert session.account_id == created.account_id
    assert session.refresh_token != created.refresh_token


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient) -> None:
    created = signup(client)
    wrong_password = client.post(
        "/v1/auth/login", json={"email": created.email, "password": "not the password"}
    )
    unknown_email = client.post("/v1/auth/login", json={"email": new_email(), "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["detail"] == unknown_email.json()["detail"] == WRONG_CREDENTIALS


def test_disabled_account_cannot_log_in(client: TestClient, container: Container) -> None:
    created = signup(client)
    admin = container.accounts.create_account(email=new_email(), password=PASSWORD, role=Role.ADMIN)
    container.accounts.update_account(
        actor_id=admin.id, account_id=created.account_id, is_active=False
    )
    response = client.post("/v1/auth/login", json={"email": created.email, "password": PASSWORD})
    assert response.status_code == 403
    assert refresh(client, created.refresh_token) == 401


def test_sixth_wrong_login_is_429_with_retry_after(client: TestClient, settings: Settings) -> None:
    created = signup(client)
    attempt = {"email": created.email, "password": "not the password"}
    statuses = [client.post("/v1/auth/login", json=attempt).status_code for _ in range(6)]
    assert statuses == [401] * settings.auth.login_max_attempts + [429]
    limited = client.post("/v1/auth/login", json={"email": created.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= settings.auth.login_window_s


def test_successful_logins_never_count_toward_the_limit(
    client: TestClient, settings: Settings
) -> None:
    created = signup(client)
    right = {"email": created.email, "password": PASSWORD}
    statuses = [
        client.post("/v1/auth/login", json=right).status_code
        for _ in range(settings.auth.login_max_attempts + 3)
    ]
    assert set(statuses) == {200}


def test_login_reopens_when_the_window_has_passed(
    client: TestClient, clock: ManualClock, settings: Settings
) -> None:
    created = signup(client)
    for _ in range(settings.auth.login_max_attempts + 1):
        client.post("/v1/auth/login", json={"email": created.email, "password": "wrong one!"})
    clock.advance(seconds=settings.auth.login_window_s)
    response = client.post("/v1/auth/login", json={"email": created.email, "password": PASSWORD})
    assert response.status_code == 200


def test_one_client_address_is_throttled_across_emails(
    client: TestClient, settings: Settings
) -> None:
    allowed = settings.auth.login_max_attempts * CLIENT_ALLOWANCE
    for _ in range(allowed):
        attempt = {"email": new_email(), "password": PASSWORD}
        assert client.post("/v1/auth/login", json=attempt).status_code == 401
    response = client.post("/v1/auth/login", json={"email": new_email(), "password": PASSWORD})
    assert response.status_code == 429


# --- refresh rotation and reuse -----------------------------------------------------------


def test_refresh_issues_a_new_pair_of_the_same_session(client: TestClient) -> None:
    created = signup(client)
    response = client.post("/v1/auth/refresh", json={"refresh_token": created.refresh_token})
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != created.refresh_token
    assert _me(client, pair["access_token"]) == 200
    assert refresh(client, pair["refresh_token"]) == 200


def test_reusing_a_refresh_token_revokes_the_whole_session(client: TestClient) -> None:
    created = signup(client)
    rotated = client.post("/v1/auth/refresh", json={"refresh_token": created.refresh_token}).json()
    assert refresh(client, created.refresh_token) == 401  # the thief, or the victim: both out
    assert refresh(client, rotated["refresh_token"]) == 401
    assert _me(client, rotated["access_token"]) == 401
    assert _me(client, created.access_token) == 401


def test_reuse_in_one_session_leaves_other_sessions_alone(client: TestClient) -> None:
    created = signup(client)
    other = login(client, created.email)
    refresh(client, created.refresh_token)
    refresh(client, created.refresh_token)
    assert _me(client, other.access_token) == 200
    assert refresh(client, other.refresh_token) == 200


def test_unknown_and_expired_refresh_tokens_are_401(
    client: TestClient, clock: ManualClock, settings: Settings
) -> None:
    created = signup(client)
    assert refresh(client, "no-such-token") == 401
    clock.advance(seconds=settings.auth.refresh_token_ttl_s + 1)
    assert refresh(client, created.refresh_token) == 401


# --- logout -------------------------------------------------------------------------------


def test_logout_ends_the_refresh_and_the_access_token(client: TestClient) -> None:
    created = signup(client)
    other = login(client, created.email)
    response = client.post("/v1/auth/logout", json={"refresh_token": created.refresh_token})
    assert response.status_code == 204
    assert refresh(client, created.refresh_token) == 401
    assert _me(client, created.access_token) == 401
    assert _me(client, other.access_token) == 200


def test_logout_with_an_unknown_token_is_a_quiet_204(client: TestClient) -> None:
    response = client.post("/v1/auth/logout", json={"refresh_token": "never-issued"})
    assert response.status_code == 204


# --- access tokens ------------------------------------------------------------------------


def test_expired_access_token_is_401(
    client: TestClient, clock: ManualClock, settings: Settings
) -> None:
    created = signup(client)
    clock.advance(seconds=settings.auth.access_token_ttl_s + 1)
    response = client.get("/v1/me", headers=created.headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def _claims(account_id: int, role: str = "admin") -> dict[str, object]:
    now = int(time.time())
    return {"iss": "marquee", "sub": str(account_id), "role": role, "sid": "forged",
            "iat": now, "exp": now + 600}  # fmt: skip


def test_token_signed_with_another_secret_is_401(client: TestClient) -> None:
    created = signup(client)
    forged = jwt.encode(_claims(created.account_id), "another-secret-" + "y" * 40, "HS256")
    assert _me(client, forged) == 401


def test_unsigned_alg_none_token_is_401(client: TestClient) -> None:
    created = signup(client)

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(_claims(created.account_id))}."
    assert _me(client, unsigned) == 401


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "Bearer", "eyJ" + "A" * 500])
def test_garbage_token_is_401(client: TestClient, token: str) -> None:
    assert _me(client, token) == 401


def test_missing_token_is_401(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401
