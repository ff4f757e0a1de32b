"""Genres and people over HTTP: listing with counts, creation by producers, search, credits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Caller, MakeCaller


@pytest.fixture
def producer(make_caller: MakeCaller) -> Caller:
    return make_caller("producer")


def _post(client: TestClient, path: str, who: Caller, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=who.headers)
    assert response.status_code == 201, response.json()
    result: dict[str, Any] = response.json()
    return result


def test_genres_list_with_title_counts(client: TestClient, producer: Caller) -> None:
    _post(client, "/v1/genres", producer, {"name": "Western"})
    for name, genres in (("A", ["Drama"]), ("B", ["drama", "Comedy"])):
        _post(client, "/v1/titles", producer, {"kind": "movie", "name": name, "genres": genres})
    body = client.get("/v1/genres").json()
    counts = {g["slug"]: g["title_count"] for g in body["data"]}
    assert counts == {"comedy": 1, "drama": 2, "western": 0}
    assert body["count"] == 3
    assert [g["name"] for g in body["data"]] == ["Comedy", "Drama", "Western"]


def test_producers_create_genres_with_derived_slugs(client: TestClient, producer: Caller) -> None:
    made = _post(client, "/v1/genres", producer, {"name": "Science Fiction"})
    assert (made["slug"], made["name"], made["title_count"]) == (
        "science-fiction",
        "Science Fiction",
        0,
    )
    again = client.post("/v1/genres", json={"name": "science fiction"}, headers=producer.headers)
    assert again.status_code == 409
    custom = _post(client, "/v1/genres", producer, {"name": "Sci-Fi", "slug": "scifi"})
    assert custom["slug"] == "scifi"


def test_viewers_cannot_create_genres_or_people(
    client: TestClient, make_caller: MakeCaller
) -> None:
    viewer = make_caller("viewer")
    assert client.post("/v1/genres", json={"name": "X"}, headers=viewer.headers).status_code == 403
    assert client.post("/v1/people", json={"name": "X"}, headers=viewer.headers).status_code == 403
    assert client.post("/v1/people", json={"name": "X"}).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/genres", {"name": "!!!"}, "body.name"),
        ("/v1/genres", {"name": ""}, "body.name"),
        ("/v1/genres", {"name": "x" * 65}, "body.name"),
        ("/v1/genres", {"name": "Ok", "colour": "red"}, "body.colour"),
        ("/v1/people", {"name": "  "}, "body.name"),
        ("/v1/people", {"name": "x" * 201}, "body.name"),
        ("/v1/people", {"name": "A", "born": 1970}, "body.born"),
    ],
)
def test_invalid_genre_and_person_input_is_422_naming_the_field(
    client: TestClient, producer: Caller, path: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(path, json=body, headers=producer.headers)
    assert response.status_code == 422, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}


def test_people_search_is_case_insensitive_and_paged(client: TestClient, producer: Caller) -> None:
    for name in ("Ada Lovelace", "Grace Hopper", "Adam West", "100% Real_Name"):
        _post(client, "/v1/people", producer, {"name": name})
    found = client.get("/v1/people", params={"q": "ADA"}).json()
    assert [p["name"] for p in found["data"]] == ["Ada Lovelace", "Adam West"]
    assert found["count"] == 2
    # LIKE wildcards in the query are taken literally
    assert client.get("/v1/people", params={"q": "%"}).json()["count"] == 1
    assert client.get("/v1/people", params={"q": "a_"}).json()["count"] == 0
    page = client.get("/v1/people", params={"limit": 1, "offset": 1}).json()
    assert page["count"] == 4
    assert len(page["data"]) == 1
    assert client.get("/v1/people", params={"limit": 0}).status_code == 422


def test_person_detail_lists_credits(client: TestClient, producer: Caller) -> None:
    person = _post(client, "/v1/people", producer, {"name": "Ada Example"})
    credit = {"role": "director", "person_id": person["id"]}
    old = _post(
        client,
        "/v1/titles",
        producer,
        {"kind": "movie", "name": "Old", "year": 1990, "credits": [credit]},
    )
    new = _post(
        client,
        "/v1/titles",
        producer,
        {
            "kind": "series",
            "name": "New",
            "year": 2020,
            "credits": [
                credit,
                {"role": "actor", "person_id": person["id"], "character": "Herself"},
            ],
        },
    )
    detail = client.get(f"/v1/people/{person['id']}")
    assert detail.status_code == 200
    credits = [(c["title_id"], c["role"], c["character"]) for c in detail.json()["credits"]]
    assert credits == [
        (new["id"], "actor", "Herself"),
        (new["id"], "director", None),
        (old["id"], "director", None),
    ]
    assert client.get("/v1/people", params={"q": "ada"}).json()["count"] == 1


def test_missing_person_is_404(client: TestClient) -> None:
    assert client.get("/v1/people/999999").status_code == 404
    assert client.get("/v1/people/0").status_code == 422
