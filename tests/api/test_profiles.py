"""Profiles of the caller's account: limits, kids cap, field rules, PINs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.domain.maturity import KIDS_MAX_LEVEL
from tests.api.accounts_api import Session, signup


@pytest.fixture
def me(client: TestClient) -> Session:
    return signup(client)


def _create(client: TestClient, me: Session, **body: Any) -> Any:
    return client.post("/v1/profiles", json=body, headers=me.headers)


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_a_new_profile_gets_adult_defaults(client: TestClient, me: Session) -> None:
    response = _create(client, me, name="Living room")
    assert response.status_code == 201
    assert response.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "name": "Living room",
        "is_kids": False,
        "maturity_level": 18,
        "language": "en",
        "country": "US",
        "has_pin": False,
        "created_at": "",
    }
    listed = client.get("/v1/profiles", headers=me.headers).json()
    assert listed["count"] == 2
    assert listed["data"][1] == response.json()


def test_sixth_profile_is_409_with_the_reason(client: TestClient, me: Session) -> None:
    for n in range(4):
        assert _create(client, me, name=f"Person {n}").status_code == 201
    response = _create(client, me, name="One too many")
    assert response.status_code == 409
    assert "at most 5 profiles" in response.json()["detail"]
    assert client.get("/v1/profiles", headers=me.headers).json()["count"] == 5


def test_kids_profiles_default_to_and_are_capped_at_the_kids_level(
    client: TestClient, me: Session
) -> None:
    kids = _create(client, me, name="Kids", is_kids=True)
    assert kids.json()["maturity_level"] == KIDS_MAX_LEVEL
    too_old = _create(client, me, name="Teens", is_kids=True, maturity_level=13)
    assert too_old.status_code == 422
    assert _fields(too_old) == ["body.maturity_level"]
    raised = client.patch(
        f"/v1/profiles/{kids.json()['id']}", json={"maturity_level": 16}, headers=me.headers
    )
    assert raised.status_code == 422


def test_making_a_profile_a_kids_profile_lowers_its_level(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Sam").json()
    response = client.patch(
        f"/v1/profiles/{profile['id']}", json={"is_kids": True}, headers=me.headers
    )
    assert response.status_code == 200
    assert response.json()["maturity_level"] == KIDS_MAX_LEVEL


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "body.name"),
        ({"name": "x" * 51}, "body.name"),
        ({"name": "ok", "maturity_level": 12}, "body.maturity_level"),
        ({"name": "ok", "language": "english"}, "body.language"),
        ({"name": "ok", "country": "XX"}, "body.country"),
        ({"name": "ok", "pin": "12a4"}, "body.pin"),
        ({"name": "ok", "colour": "red"}, "body.colour"),
    ],
)
def test_invalid_profile_fields_are_422_naming_the_field(
    client: TestClient, me: Session, body: dict[str, Any], field: str
) -> None:
    response = _create(client, me, **body)
    assert response.status_code == 422
    assert _fields(response) == [field]


def test_language_and_country_are_normalised(client: TestClient, me: Session) -> None:
    response = _create(client, me, name="Rio", language="PT-br", country="br")
    assert (response.json()["language"], response.json()["country"]) == ("pt-BR", "BR")


def test_profile_names_are_unique_per_account_ignoring_case(
    client: TestClient, me: Session
) -> None:
    first = _create(client, me, name="Movie night")
    assert _create(client, me, name="MOVIE NIGHT").status_code == 409
    second = _create(client, me, name="Series").json()
    renamed = client.patch(
        f"/v1/profiles/{second['id']}", json={"name": "movie night"}, headers=me.headers
    )
    assert renamed.status_code == 409
    assert _fields(renamed) == ["body.name"]
    other_account = signup(client)
    assert _create(client, other_account, name="Movie night").status_code == 201
    assert first.status_code == 201


def test_patch_changes_only_the_fields_sent(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Alex", language="fr", country="FR").json()
    response = client.patch(
        f"/v1/profiles/{profile['id']}", json={"maturity_level": 13}, headers=me.headers
    )
    assert response.json() == profile | {"maturity_level": 13}
    assert client.get(f"/v1/profiles/{profile['id']}", headers=me.headers).json() == (
        profile | {"maturity_level": 13}
    )


def test_pin_opens_the_profile_and_a_wrong_one_is_403(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Parents", pin="0420").json()
    assert profile["has_pin"] is True
    check = f"/v1/profiles/{profile['id']}/pin-check"
    assert client.post(check, json={"pin": "0420"}, headers=me.headers).status_code == 204
    assert client.post(check, json={"pin": "1234"}, headers=me.headers).status_code == 403


def test_a_profile_without_a_pin_is_open(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Open").json()
    check = f"/v1/profiles/{profile['id']}/pin-check"
    assert client.post(check, json={"pin": "9999"}, headers=me.headers).status_code == 204


def test_pin_can_be_changed_and_removed(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Parents", pin="0420").json()
    url = f"/v1/profiles/{profile['id']}"
    client.patch(url, json={"pin": "7777"}, headers=me.headers)
    pin_check = client.post(f"{url}/pin-check", json={"pin": "7777"}, headers=me.headers)
    assert pin_check.status_code == 204
    removed = client.patch(url, json={"pin": None}, headers=me.headers)
    assert removed.json()["has_pin"] is False


def test_pin_guessing_is_throttled(client: TestClient, me: Session) -> None:
    profile = _create(client, me, name="Locked", pin="0420").json()
    check = f"/v1/profiles/{profile['id']}/pin-check"
    statuses = [
        client.post(check, json={"pin": f"{n:04d}"}, headers=me.headers).status_code
        for n in range(6)
    ]
    assert statuses == [403] * 5 + [429]


def test_deleting_a_profile_keeps_at_least_one(client: TestClient, me: Session) -> None:
    extra = _create(client, me, name="Extra").json()
    assert client.delete(f"/v1/profiles/{extra['id']}", headers=me.headers).status_code == 204
    (last,) = client.get("/v1/profiles", headers=me.headers).json()["data"]
    response = client.delete(f"/v1/profiles/{last['id']}", headers=me.headers)
    assert response.status_code == 409
    assert client.get("/v1/profiles", headers=me.headers).json()["count"] == 1


@pytest.mark.parametrize("profile_id", ["0", "-1", "abc", str(2**63)])
def test_impossible_profile_ids_are_4xx(client: TestClient, me: Session, profile_id: str) -> None:
    assert client.get(f"/v1/profiles/{profile_id}", headers=me.headers).status_code == 422


def test_profiles_need_a_token(client: TestClient) -> None:
    assert client.get("/v1/profiles").status_code == 401
