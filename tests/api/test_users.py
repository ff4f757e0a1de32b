"""Admin: listing accounts and changing roles; nobody else may."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from tests.api.accounts_api import PASSWORD, Session, login, new_email, refresh, signup
from tests.conftest import MakeCaller


@pytest.fixture
def admin(client: TestClient, container: Container) -> Session:
    email = new_email()
    container.accounts.create_account(email=email, password=PASSWORD, role=Role.ADMIN)
    return login(client, email)


@pytest.mark.parametrize("role", ["viewer", "producer"])
def test_only_admins_may_list_or_change_accounts(
    client: TestClient, make_caller: MakeCaller, role: str
) -> None:
    caller = make_caller(role)
    assert client.get("/v1/users", headers=caller.headers).status_code == 403
    response = client.patch(
        f"/v1/users/{caller.account_id}", json={"role": "admin"}, headers=caller.headers
    )
    assert response.status_code == 403


def test_admin_lists_accounts_in_pages(client: TestClient, admin: Session) -> None:
    for _ in range(3):
        signup(client)
    first = client.get("/v1/users?limit=2", headers=admin.headers).json()
    rest = client.get("/v1/users?limit=2&offset=2", headers=admin.headers).json()
    assert first["count"] == rest["count"] == 4
    ids = [a["id"] for a in first["data"] + rest["data"]]
    assert len(set(ids)) == 4
    assert admin.account_id in ids
    assert "password_hash" not in str(first)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=x"])
def test_bad_pagination_is_422(client: TestClient, admin: Session, query: str) -> None:
    assert client.get(f"/v1/users?{query}", headers=admin.headers).status_code == 422


def test_role_change_applies_at_once_and_ends_old_sessions(
    client: TestClient, admin: Session
) -> None:
    user = signup(client)
    response = client.patch(
        f"/v1/users/{user.account_id}", json={"role": "producer"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "producer"
    assert client.get("/v1/me", headers=user.headers).status_code == 401
    assert refresh(client, user.refresh_token) == 401
    again = login(client, user.email)
    assert client.get("/v1/me", headers=again.headers).json()["role"] == "producer"


def test_admin_can_deactivate_and_reactivate_an_account(client: TestClient, admin: Session) -> None:
    user = signup(client)
    url = f"/v1/users/{user.account_id}"
    assert client.patch(url, json={"is_active": False}, headers=admin.headers).status_code == 200
    creds = {"email": user.email, "password": PASSWORD}
    assert client.post("/v1/auth/login", json=creds).status_code == 403
    assert client.patch(url, json={"is_active": True}, headers=admin.headers).status_code == 200
    assert client.post("/v1/auth/login", json=creds).status_code == 200


@pytest.mark.parametrize("body", [{"role": "viewer"}, {"is_active": False}])
def test_an_admin_cannot_demote_or_deactivate_themselves(
    client: TestClient, admin: Session, body: dict[str, object]
) -> None:
    response = client.patch(f"/v1/users/{admin.account_id}", json=body, headers=admin.headers)
    assert response.status_code == 403
    assert client.get("/v1/me", headers=admin.headers).json()["role"] == "admin"


def test_unknown_account_or_role_is_rejected(client: TestClient, admin: Session) -> None:
    missing = client.patch("/v1/users/999999", json={"role": "viewer"}, headers=admin.headers)
    assert missing.status_code == 404
    bad_role = client.patch(
        f"/v1/users/{admin.account_id}", json={"role": "owner"}, headers=admin.headers
    )
    assert bad_role.status_code == 422
    assert [e["field"] for e in bad_role.json()["errors"]] == ["body.role"]
