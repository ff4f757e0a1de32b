"""Unusual text behaves the same on SQLite and PostgreSQL: Unicode case, NULs, expanding case."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeCaller


def test_people_search_folds_non_ascii_case(client: TestClient, make_caller: MakeCaller) -> None:
    producer = make_caller("producer")
    created = client.post("/v1/people", json={"name": "Émile Zola"}, headers=producer.headers)
    assert created.status_code == 201, created.json()
    found = client.get("/v1/people", params={"q": "émile"}).json()
    assert [p["name"] for p in found["data"]] == ["Émile Zola"]


def test_a_genre_name_that_grows_when_title_cased_is_accepted(
    client: TestClient, make_caller: MakeCaller
) -> None:
    producer = make_caller("producer")
    genre = "-".join(["ß"] * 32)[:64]  # "ß".title() is "Ss": the label doubles in length
    response = client.post(
        "/v1/titles",
        json={"kind": "movie", "name": "X", "genres": [genre]},
        headers=producer.headers,
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["genres"][0]["name"]) <= 64


def test_nul_bytes_in_plan_input_are_422(client: TestClient, make_caller: MakeCaller) -> None:
    admin = make_caller("admin")
    by_path = client.patch("/v1/plans/%00", json={"name": "x"}, headers=admin.headers)
    assert by_path.status_code == 422
    by_body = client.patch("/v1/plans/basic", json={"name": "a\u0000b"}, headers=admin.headers)
    assert by_body.status_code == 422
    assert by_body.json()["errors"][0]["field"] == "body.name"
