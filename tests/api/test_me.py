"""The caller's own account: read it, change its password, delete it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from tests.api.accounts_api import PASSWORD, login, new_email, refresh, signup

NEW_PASSWORD = "purple harbour 17 hums"


def test_me_shows_the_callers_account_without_secrets(client: TestClient) -> None:
    created = signup(client)
    response = client.get("/v1/me", headers=created.headers)
    assert response.status_code == 200
    assert set(response.json()) == {"id", "email", "role", "is_active", "created_at"}
    assert response.json()["id"] == created.account_id


def test_changing_the_password_ends_other_sessions_but_not_this_one(client: TestClient) -> None:
    created = signup(client)
    other = login(client, created.email)
    response = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=created.headers,
    )
    assert response.status_code == 204
    assert client.get("/v1/me", headers=other.headers).status_code == 401
    assert refresh(client, other.refresh_token) == 401
    assert client.get("/v1/me", headers=created.headers).status_code == 200
    assert refresh(client, created.refresh_token) == 200
    old = client.post("/v1/auth/login", json={"email": created.email, "password": PASSWORD})
    assert old.status_code == 401
    assert login(client, created.email, NEW_PASSWORD).account_id == created.account_id


def test_password_change_needs_the_current_password(client: TestClient) -> None:
    created = signup(client)
    response = client.post(
        "/v1/me/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=created.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.current_password"]


def test_new_password_follows_the_policy(client: TestClient) -> None:
    created = signup(client)
    response = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=created.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.new_password"]


def test_deleting_the_account_removes_it_and_ends_its_sessions(client: TestClient) -> None:
    created = signup(client)
    other = login(client, created.email)
    assert client.delete("/v1/me", headers=created.headers).status_code == 204
    assert client.get("/v1/me", headers=created.headers).status_code == 401
    assert client.get("/v1/me", headers=other.headers).status_code == 401
    assert refresh(client, other.refresh_token) == 401
    gone = client.post("/v1/auth/login", json={"email": created.email, "password": PASSWORD})
    assert gone.status_code == 401
    again = client.post("/v1/auth/signup", json={"email": created.email, "password": PASSWORD})
    assert again.status_code == 201


def test_the_last_admin_cannot_delete_their_account(
    client: TestClient, container: Container
) -> None:
    email = new_email()
    container.accounts.create_account(email=email, password=PASSWORD, role=Role.ADMIN)
    admin = login(client, email)
    assert client.delete("/v1/me", headers=admin.headers).status_code == 409
    assert client.get("/v1/me", headers=admin.headers).status_code == 200
