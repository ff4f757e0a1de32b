"""Calling the account endpoints from tests: sign up, log in, and the headers to use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi.testclient import TestClient

PASSWORD = "violet tractor 42 sings"


@dataclass(frozen=True)
class Session:
    """A signed-up account and the tokens of one of its login sessions."""

    account_id: int
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def new_email() -> str:
    return f"user-{secrets.token_hex(4)}@example.com"


def signup(client: TestClient, email: str | None = None, password: str = PASSWORD) -> Session:
    email = email or new_email()
    response = client.post("/v1/auth/signup", json={"email": email, "password": password})
    assert response.status_code == 201, response.json()
    body = response.json()
    tokens = body["tokens"]
    return Session(body["account"]["id"], email, tokens["access_token"], tokens["refresh_token"])


def login(client: TestClient, email: str, password: str = PASSWORD) -> Session:
    response = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.json()
    tokens = response.json()
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200, me.json()
    return Session(me.json()["id"], email, tokens["access_token"], tokens["refresh_token"])


def refresh(client: TestClient, token: str) -> int:
    """The status of using ``token`` once."""
    return client.post("/v1/auth/refresh", json={"refresh_token": token}).status_code
