"""Titles over HTTP: who may edit, browsing with filters and pages, series, posters, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Caller, MakeCaller


@pytest.fixture
def producer(make_caller: MakeCaller) -> Caller:
    return make_caller("producer")


def _create(client: TestClient, who: Caller, **fields: Any) -> dict[str, Any]:
    body = {"kind": "movie", "name": "Untitled", **fields}
    response = client.post("/v1/titles", json=body, headers=who.headers)
    assert response.status_code == 201, response.json()
    result: dict[str, Any] = response.json()
    return result


def _names(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/v1/titles", params=params)
    assert response.status_code == 200, response.json()
    return [t["name"] for t in response.json()["data"]]


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_viewer_cannot_create_titles(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller("viewer")
    response = client.post(
        "/v1/titles", json={"kind": "movie", "name": "X"}, headers=viewer.headers
    )
    assert response.status_code == 403
    assert client.post("/v1/titles", json={"kind": "movie", "name": "X"}).status_code == 401


def test_anonymous_visitors_browse_and_read_titles(client: TestClient, producer: Caller) -> None:
    made = _create(client, producer, name="Arrival", year=2016, genres=["Science Fiction"])
    listing = client.get("/v1/titles")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    summary = listing.json()["data"][0]
    assert summary["genres"] == [
        {"id": made["genres"][0]["id"], "slug": "science-fiction", "name": "Science Fiction"}
    ]
    assert summary["poster_url"] == f"/v1/titles/{made['id']}/poster.svg"
    detail = client.get(f"/v1/titles/{made['id']}")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Arrival"


def test_full_title_round_trips_with_normalised_fields(
    client: TestClient, producer: Caller
) -> None:
    made = _create(
        client,
        producer,
        name="The Lighthouse",
        description="Two keepers, one storm.",
        release_date="2019-10-18",
        runtime_minutes=109,
        maturity_rating="R",
        genres=["Drama", "horror", "drama"],
        credits=[
            {"role": "director", "person_name": "Ada Example"},
            {"role": "writer", "person_name": "Ada Example"},
            {"role": "actor", "person_name": "Ben Sample", "character": "Thomas"},
        ],
        tags=["  Storm ", "storm", "Isolation"],
        languages=["EN", "pt-br"],
        availability=[{"country": "us"}, {"country": "BR", "starts_at": "2026-01-01T00:00:00Z"}],
        imdb_id="tt7984734",
    )
    assert made["year"] == 2019  # taken from release_date
    assert made["maturity_level"] == 16
    assert [g["slug"] for g in made["genres"]] == ["drama", "horror"]
    assert made["tags"] == ["isolation", "storm"]
    assert made["languages"] == ["en", "pt-BR"]
    assert {w["country"] for w in made["availability"]} == {"US", "BR"}
    people = {(c["person"]["name"], c["role"], c["character"]) for c in made["credits"]}
    assert people == {
        ("Ada Example", "director", None),
        ("Ada Example", "writer", None),
        ("Ben Sample", "actor", "Thomas"),
    }
    ada = {c["person"]["id"] for c in made["credits"] if c["person"]["name"] == "Ada Example"}
    assert len(ada) == 1  # one new person, two roles
    assert client.get(f"/v1/titles/{made['id']}").json() == made


def test_filters_each_narrow_the_result(client: TestClient, producer: Caller) -> None:
    _create(client, producer, name="Alpha", year=2001, genres=["drama"], languages=["en"])
    _create(
        client,
        producer,
        name="Beta",
        kind="series",
        year=2010,
        genres=["comedy"],
        languages=["pt-BR"],
    )
    _create(
        client,
        producer,
        name="Gamma",
        kind="documentary",
        year=2020,
        genres=["drama"],
        languages=["fr"],
        maturity_rating="G",
    )
    assert _names(client) == ["Alpha", "Beta", "Gamma"]
    assert _names(client, genre="drama") == ["Alpha", "Gamma"]
    assert _names(client, kind="series") == ["Beta"]
    assert _names(client, year=2020) == ["Gamma"]
    assert _names(client, year_from=2005, year_to=2015) == ["Beta"]
    assert _names(client, language="pt") == ["Beta"]  # a language matches its regional variants
    assert _names(client, language="pt-br") == ["Beta"]
    assert _names(client, max_maturity_level=7) == ["Gamma"]
    assert _names(client, genre="drama", year_from=2010) == ["Gamma"]
    assert _names(client, sort="-year") == ["Gamma", "Beta", "Alpha"]
    assert _names(client, genre="no-such-genre") == []


def test_country_filter_follows_availability_windows(client: TestClient, producer: Caller) -> None:
    _create(client, producer, name="Everywhere")
    _create(client, producer, name="Only US", availability=[{"country": "US"}])
    _create(
        client,
        producer,
        name="BR later",
        availability=[{"country": "BR", "starts_at": "2999-01-01T00:00:00Z"}],
    )
    assert _names(client, country="US") == ["Everywhere", "Only US"]
    assert _names(client, country="br") == ["Everywhere"]


def test_pagination_keeps_the_total_count(client: TestClient, producer: Caller) -> None:
    for i in range(5):
        _create(client, producer, name=f"Title {i}")
    page = client.get("/v1/titles", params={"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [t["name"] for t in page["data"]] == ["Title 2", "Title 3"]
    past_the_end = client.get("/v1/titles", params={"limit": 2, "offset": 10}).json()
    assert past_the_end == {"data": [], "count": 5}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"language": "english"}, "query.language"),
        ({"country": "XX"}, "query.country"),
        ({"sort": "random"}, "query.sort"),
    ],
)
def test_bad_listing_parameters_are_422_naming_them(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/v1/titles", params=params)
    assert response.status_code == 422
    assert field in _fields(response)


def test_series_with_seasons_and_episodes_round_trip(client: TestClient, producer: Caller) -> None:
    show = _create(client, producer, kind="series", name="Dark Waters", maturity_rating="TV-MA")
    base = f"/v1/titles/{show['id']}/seasons"
    for number in (2, 1):
        response = client.post(
            base, json={"number": number, "name": f"S{number}"}, headers=producer.headers
        )
        assert response.status_code == 201
    for number, name in ((2, "Second"), (1, "Pilot")):
        response = client.post(
            f"{base}/1/episodes",
            json={"number": number, "name": name, "runtime_minutes": 50},
            headers=producer.headers,
        )
        assert response.status_code == 201, response.json()
    patched = client.patch(
        f"{base}/1/episodes/2", json={"name": "The Return"}, headers=producer.headers
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "The Return"
    seasons = client.get(f"/v1/titles/{show['id']}").json()["seasons"]
    assert [s["number"] for s in seasons] == [1, 2]
    assert [(e["number"], e["name"]) for e in seasons[0]["episodes"]] == [
        (1, "Pilot"),
        (2, "The Return"),
    ]
    assert client.delete(f"{base}/1/episodes/1", headers=producer.headers).status_code == 204
    assert client.delete(f"{base}/2", headers=producer.headers).status_code == 204
    seasons = client.get(f"/v1/titles/{show['id']}").json()["seasons"]
    assert [(s["number"], len(s["episodes"])) for s in seasons] == [(1, 1)]


def test_duplicate_season_and_episode_numbers_conflict(
    client: TestClient, producer: Caller
) -> None:
    show = _create(client, producer, kind="series", name="Loop")
    base = f"/v1/titles/{show['id']}/seasons"
    assert client.post(base, json={"number": 1}, headers=producer.headers).status_code == 201
    assert client.post(base, json={"number": 1}, headers=producer.headers).status_code == 409
    episode = {"number": 1, "name": "One"}
    assert (
        client.post(f"{base}/1/episodes", json=episode, headers=producer.headers).status_code == 201
    )
    assert (
        client.post(f"{base}/1/episodes", json=episode, headers=producer.headers).status_code == 409
    )


def test_movies_have_no_seasons(client: TestClient, producer: Caller) -> None:
    movie = _create(client, producer, name="Solo")
    response = client.post(
        f"/v1/titles/{movie['id']}/seasons", json={"number": 1}, headers=producer.headers
    )
    assert response.status_code == 409


def test_unknown_maturity_rating_is_422_naming_it(client: TestClient, producer: Caller) -> None:
    response = client.post(
        "/v1/titles",
        json={"kind": "movie", "name": "X", "maturity_rating": "XXX"},
        headers=producer.headers,
    )
    assert response.status_code == 422
    assert "body.maturity_rating" in _fields(response)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"year": 1800}, "body.year"),
        ({"year": 2999}, "body.year"),
        ({"runtime_minutes": 0}, "body.runtime_minutes"),
        ({"languages": ["english"]}, "body.languages.0"),
        ({"availability": [{"country": "XX"}]}, "body.availability.0.country"),
        (
            {"availability": [{"country": "US", "starts_at": "2026-01-01T00:00:00"}]},
            "body.availability.0.starts_at",
        ),
        ({"tags": ["   "]}, "body.tags.0"),
        ({"credits": [{"role": "actor", "person_id": 999999}]}, "body.credits.0.person_id"),
        ({"credits": [{"role": "gaffer", "person_name": "X"}]}, "body.credits.0.role"),
        ({"genres": ["&&"]}, "body.genres.0"),
        ({"name": "bad\u0000name"}, "body.name"),
        ({"kind": "podcast"}, "body.kind"),
        ({"imdb_id": "nm123"}, "body.imdb_id"),
        ({"banner": True}, "body.banner"),
    ],
)
def test_invalid_title_fields_are_422_naming_the_field(
    client: TestClient, producer: Caller, extra: dict[str, Any], field: str
) -> None:
    body = {"kind": "movie", "name": "X", **extra}
    response = client.post("/v1/titles", json=body, headers=producer.headers)
    assert response.status_code == 422, response.json()
    assert field in _fields(response)


def test_update_changes_only_what_is_sent(client: TestClient, producer: Caller) -> None:
    made = _create(
        client,
        producer,
        name="Draft",
        year=2000,
        tags=["a"],
        genres=["drama"],
        credits=[{"role": "actor", "person_name": "Cy"}],
        availability=[{"country": "US"}],
    )
    response = client.patch(
        f"/v1/titles/{made['id']}",
        json={
            "maturity_rating": "PG",
            "tags": ["b"],
            "credits": made_credits(made),
            "availability": [{"country": "US"}, {"country": "CA"}],
        },
        headers=producer.headers,
    )
    assert response.status_code == 200, response.json()
    updated = response.json()
    assert (updated["maturity_rating"], updated["maturity_level"]) == ("PG", 7)
    assert updated["tags"] == ["b"]
    assert updated["name"] == "Draft"
    assert updated["genres"] == made["genres"]
    assert updated["credits"][0]["person"] == made["credits"][0]["person"]
    assert {w["country"] for w in updated["availability"]} == {"US", "CA"}


def made_credits(made: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": c["role"], "person_id": c["person"]["id"]} for c in made["credits"]]


def test_update_refuses_null_for_required_fields(client: TestClient, producer: Caller) -> None:
    made = _create(client, producer, name="Keep")
    response = client.patch(
        f"/v1/titles/{made['id']}", json={"name": None}, headers=producer.headers
    )
    assert response.status_code == 422
    response = client.patch(
        f"/v1/titles/{made['id']}", json={"rating": "G"}, headers=producer.headers
    )
    assert response.status_code == 422
    assert "body.rating" in _fields(response)


def test_delete_removes_the_title(client: TestClient, make_caller: MakeCaller) -> None:
    admin, viewer = make_caller("admin"), make_caller("viewer")
    made = _create(client, admin, name="Gone")
    assert client.delete(f"/v1/titles/{made['id']}", headers=viewer.headers).status_code == 403
    assert client.delete(f"/v1/titles/{made['id']}", headers=admin.headers).status_code == 204
    assert client.get(f"/v1/titles/{made['id']}").status_code == 404


def test_missing_ids_are_404(client: TestClient, producer: Caller) -> None:
    show = _create(client, producer, kind="series", name="Only")
    h = producer.headers
    assert client.get("/v1/titles/999999").status_code == 404
    assert client.patch("/v1/titles/999999", json={"name": "x"}, headers=h).status_code == 404
    assert client.delete("/v1/titles/999999", headers=h).status_code == 404
    assert client.get("/v1/titles/999999/poster.svg").status_code == 404
    assert (
        client.post("/v1/titles/999999/seasons", json={"number": 1}, headers=h).status_code == 404
    )
    episode = {"number": 1, "name": "E"}
    missing_season = client.post(
        f"/v1/titles/{show['id']}/seasons/3/episodes", json=episode, headers=h
    )
    assert missing_season.status_code == 404
    assert (
        client.delete(f"/v1/titles/{show['id']}/seasons/1/episodes/1", headers=h).status_code == 404
    )


def test_poster_is_cacheable_svg(client: TestClient, producer: Caller) -> None:
    made = _create(client, producer, name="Tom & Jerry <3", year=1940, genres=["Animation"])
    response = client.get(made["poster_url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "public, max-age=86400"
    etag = response.headers["etag"]
    assert etag.startswith('"')  # strong: no W/ prefix
    root = ET.fromstring(response.content)
    assert root.get("aria-label") == "Tom & Jerry <3"
    again = client.get(made["poster_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    stale = client.get(made["poster_url"], headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    client.patch(f"/v1/titles/{made['id']}", json={"name": "Renamed"}, headers=producer.headers)
    assert client.get(made["poster_url"], headers={"If-None-Match": etag}).status_code == 200
