"""No account can read or change another account's data: another account's ids are 404.

To cover a new endpoint that takes a resource id, add a row to ``FOREIGN_ID_CALLS``; if it needs
a new kind of id, create that resource for account A in ``owned_by_a`` under the template's name.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from fastapi.testclient import TestClient

from tests.api.accounts_api import Session, signup


class Call(NamedTuple):
    method: str
    path: str  # a template filled from account A's ids, e.g. "/v1/profiles/{profile_id}"
    body: dict[str, Any] | None = None


FOREIGN_ID_CALLS: list[Call] = [
    Call("GET", "/v1/profiles/{profile_id}"),
    Call("PATCH", "/v1/profiles/{profile_id}", {"name": "Taken over", "maturity_level": 0}),
    Call("PATCH", "/v1/profiles/{profile_id}", {"pin": None}),
    Call("DELETE", "/v1/profiles/{profile_id}"),
    Call("POST", "/v1/profiles/{profile_id}/pin-check", {"pin": "0420"}),
]

# What account A's data looks like through the API; compared before and after B's calls.
SNAPSHOT_PATHS = ["/v1/me", "/v1/profiles"]


@pytest.fixture
def account_a(client: TestClient) -> Session:
    return signup(client)


@pytest.fixture
def owned_by_a(client: TestClient, account_a: Session) -> dict[str, int]:
    """Ids of resources account A owns, by the name used in path templates."""
    profile = client.post(
        "/v1/profiles", json={"name": "A's own", "pin": "0420"}, headers=account_a.headers
    )
    assert profile.status_code == 201
    return {"profile_id": profile.json()["id"]}


def _snapshot(client: TestClient, owner: Session) -> list[Any]:
    return [client.get(path, headers=owner.headers).json() for path in SNAPSHOT_PATHS]


@pytest.mark.parametrize(
    "call", FOREIGN_ID_CALLS, ids=[f"{c.method} {c.path} {c.body}" for c in FOREIGN_ID_CALLS]
)
def test_another_accounts_ids_are_not_found_and_left_unchanged(
    client: TestClient, account_a: Session, owned_by_a: dict[str, int], call: Call
) -> None:
    before = _snapshot(client, account_a)
    account_b = signup(client)
    response = client.request(
        call.method, call.path.format(**owned_by_a), json=call.body, headers=account_b.headers
    )
    assert response.status_code == 404, response.json()
    assert _snapshot(client, account_a) == before


def test_lists_show_only_the_callers_own_profiles(
    client: TestClient, account_a: Session, owned_by_a: dict[str, int]
) -> None:
    account_b = signup(client)
    ids = {p["id"] for p in client.get("/v1/profiles", headers=account_b.headers).json()["data"]}
    assert owned_by_a["profile_id"] not in ids
    assert len(ids) == 1


def test_billing_is_per_account_subscription_and_payments_stay_private(
    client: TestClient, account_a: Session
) -> None:
    subscribed = client.post(
        "/v1/subscription",
        json={"plan": "standard", "payment_method": "pm_card_ok"},
        headers=account_a.headers,
    )
    assert subscribed.status_code == 201, subscribed.json()
    assert client.get("/v1/payments", headers=account_a.headers).json()["count"] >= 1
    account_b = signup(client)
    assert client.get("/v1/subscription", headers=account_b.headers).status_code == 404
    assert client.get("/v1/payments", headers=account_b.headers).json() == {"data": [], "count": 0}
    assert client.post("/v1/subscription/cancel", headers=account_b.headers).status_code == 404
    assert client.get("/v1/subscription", headers=account_a.headers).json()["status"] == "trial"
