"""Plans: seeded, public to read, editable by admins only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeCaller

NEW_PLAN = {
    "code": "mobile",
    "name": "Mobile",
    "price_minor": 499,
    "max_resolution": 480,
    "max_streams": 1,
}


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_the_three_seeded_plans_are_listed_without_authentication(client: TestClient) -> None:
    response = client.get("/v1/plans")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [
        (p["code"], p["price_minor"], p["currency"], p["max_resolution"], p["max_streams"])
        for p in body["data"]
    ] == [
        ("basic", 799, "EUR", 720, 1),
        ("standard", 1299, "EUR", 1080, 2),
        ("premium", 1799, "EUR", 2160, 4),
    ]
    assert [p["downloads"] for p in body["data"]] == [False, False, True]


def test_admin_adds_a_plan_in_the_configured_currency(
    client: TestClient, make_caller: MakeCaller
) -> None:
    admin = make_caller("admin")
    response = client.post("/v1/plans", json=NEW_PLAN, headers=admin.headers)
    assert response.status_code == 201
    assert response.json() == NEW_PLAN | {"currency": "EUR", "downloads": False, "is_active": True}
    assert "mobile" in [p["code"] for p in client.get("/v1/plans").json()["data"]]


def test_a_taken_plan_code_is_a_conflict_naming_the_field(
    client: TestClient, make_caller: MakeCaller
) -> None:
    admin = make_caller("admin")
    response = client.post("/v1/plans", json=NEW_PLAN | {"code": "basic"}, headers=admin.headers)
    assert response.status_code == 409
    assert _fields(response) == ["body.code"]


def test_admin_changes_a_price(client: TestClient, make_caller: MakeCaller) -> None:
    admin = make_caller("admin")
    response = client.patch("/v1/plans/standard", json={"price_minor": 1399}, headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["price_minor"] == 1399
    assert response.json()["name"] == "Standard"


def test_a_deactivated_plan_is_hidden_unless_asked_for(
    client: TestClient, make_caller: MakeCaller
) -> None:
    admin = make_caller("admin")
    client.patch("/v1/plans/basic", json={"is_active": False}, headers=admin.headers)
    assert [p["code"] for p in client.get("/v1/plans").json()["data"]] == ["standard", "premium"]
    everything = client.get("/v1/plans", params={"include_inactive": True}).json()
    assert everything["count"] == 3


def test_viewer_cannot_edit_plans(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller("viewer")
    created = client.post("/v1/plans", json=NEW_PLAN, headers=viewer.headers)
    changed = client.patch("/v1/plans/basic", json={"price_minor": 1}, headers=viewer.headers)
    assert (created.status_code, changed.status_code) == (403, 403)
    assert client.get("/v1/plans").json()["data"][0]["price_minor"] == 799


def test_producer_cannot_edit_plans(client: TestClient, make_caller: MakeCaller) -> None:
    producer = make_caller("producer")
    response = client.patch("/v1/plans/basic", json={"price_minor": 1}, headers=producer.headers)
    assert response.status_code == 403


def test_editing_plans_needs_a_token(client: TestClient) -> None:
    assert client.post("/v1/plans", json=NEW_PLAN).status_code == 401


def test_updating_an_unknown_plan_is_not_found(client: TestClient, make_caller: MakeCaller) -> None:
    admin = make_caller("admin")
    response = client.patch("/v1/plans/nope", json={"price_minor": 1}, headers=admin.headers)
    assert response.status_code == 404


def test_a_price_must_be_a_whole_number_of_minor_units(
    client: TestClient, make_caller: MakeCaller
) -> None:
    admin = make_caller("admin")
    for price in (7.99, "799", -1):
        response = client.post(
            "/v1/plans", json=NEW_PLAN | {"price_minor": price}, headers=admin.headers
        )
        assert response.status_code == 422
        assert _fields(response) == ["body.price_minor"]


def test_bad_plan_fields_are_named(client: TestClient, make_caller: MakeCaller) -> None:
    admin = make_caller("admin")
    body = NEW_PLAN | {"code": "Has Spaces", "max_resolution": 999, "max_streams": 0}
    response = client.post("/v1/plans", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert sorted(_fields(response)) == ["body.code", "body.max_resolution", "body.max_streams"]
