"""Search: typo tolerance, prefixes, people and tags, filters, maturity, taste and event logs."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from tests.conftest import MakeCaller
from tests.recs_catalog import add_plays, add_profile, seed_catalog


def _names(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 200, body  # type: ignore[attr-defined]
    return [hit["title"]["name"] for hit in body["data"]]


def test_search_finds_titles_by_words_prefixes_people_and_tags(
    client: TestClient, container: Container
) -> None:
    seed_catalog(container)
    assert _names(client.get("/v1/search", params={"q": "shawshank"}))[0] == (
        "The Shawshank Redemption"
    )
    assert _names(client.get("/v1/search", params={"q": "shaws"}))[0] == "The Shawshank Redemption"
    assert set(_names(client.get("/v1/search", params={"q": "tom hanks"}))) == {
        "Toy Story",
        "Cast Away",
    }
    assert _names(client.get("/v1/search", params={"q": "heist"})) == ["Heat"]
    assert _names(client.get("/v1/search", params={"q": "AMELIE"})) == ["Amélie"]


def test_misspelt_words_are_corrected(client: TestClient, container: Container) -> None:
    seed_catalog(container)
    response = client.get("/v1/search", params={"q": "shawshenk redemtion"})
    assert _names(response)[0] == "The Shawshank Redemption"
    assert response.json()["corrected"] == "shawshank redemption"
    assert _names(client.get("/v1/search", params={"q": "godfahter"})) == ["The Godfather"]


def test_filters_narrow_results(client: TestClient, container: Container) -> None:
    seed_catalog(container)
    assert _names(client.get("/v1/search", params={"q": "al pacino", "year_from": 1990})) == [
        "Heat"
    ]
    assert _names(client.get("/v1/search", params={"q": "drama", "kind": "series"})) == [
        "Breaking Bad",
        "The Crown",
    ] or set(_names(client.get("/v1/search", params={"q": "drama", "kind": "series"}))) == {
        "Breaking Bad",
        "The Crown",
    }
    assert _names(client.get("/v1/search", params={"q": "tom", "genre": "animation"})) == [
        "Toy Story"
    ]


def test_kids_profile_never_finds_titles_above_its_level(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    seed_catalog(container)
    caller = make_caller()
    kids = add_profile(container, caller.account_id, "Kid", kids=True)
    found = client.get(
        "/v1/search", params={"q": "a", "profile_id": kids, "limit": 100}, headers=caller.headers
    ).json()["data"]
    assert found
    assert all(hit["title"]["maturity_level"] <= 7 for hit in found)
    assert "Heat" not in _names(
        client.get("/v1/search", params={"q": "heat", "profile_id": kids}, headers=caller.headers)
    )
    labels = client.get(
        "/v1/search/suggest", params={"q": "th", "profile_id": kids}, headers=caller.headers
    ).json()["data"]
    assert all(label["text"] not in ("The Godfather", "The Crown") for label in labels)


def test_taste_reorders_equally_good_matches(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    ids = seed_catalog(container)
    caller = make_caller()
    drama_fan = add_profile(container, caller.account_id, "Drama")
    add_plays(container, drama_fan, [ids["The Shawshank Redemption"], ids["The Crown"]])
    thriller_fan = add_profile(container, caller.account_id, "Thrills")
    add_plays(container, thriller_fan, [ids["Heat"]])
    # Equal popularity, so only taste separates the two Al Pacino films.
    add_plays(container, add_profile(container, caller.account_id, "Other"), [ids["The Godfather"]])

    def first(profile_id: int) -> str:
        response = client.get(
            "/v1/search",
            params={"q": "al pacino", "profile_id": profile_id},
            headers=caller.headers,
        )
        return _names(response)[0]

    assert first(drama_fan) == "The Godfather"
    assert first(thriller_fan) == "Heat"


def test_suggest_completes_titles_people_and_genres(
    client: TestClient, container: Container
) -> None:
    seed_catalog(container)
    labels = client.get("/v1/search/suggest", params={"q": "pad"}).json()["data"]
    assert {"kind": "title", "ref": labels[0]["ref"], "text": "Paddington"} in labels
    people = client.get("/v1/search/suggest", params={"q": "morgan fr"}).json()["data"]
    assert [(p["kind"], p["text"]) for p in people] == [("person", "Morgan Freeman")]
    genres = client.get("/v1/search/suggest", params={"q": "docu"}).json()["data"]
    assert ("genre", "documentary", "Documentary") in [
        (g["kind"], g["ref"], g["text"]) for g in genres
    ]


def test_catalog_changes_reach_the_index(client: TestClient, container: Container) -> None:
    ids = seed_catalog(container)
    assert _names(client.get("/v1/search", params={"q": "heat"})) == ["Heat"]
    container.catalog.update_title(title_id=ids["Heat"], name="Warmth")
    container.catalog.delete_title(title_id=ids["Up"])
    container.search.refresh()
    assert _names(client.get("/v1/search", params={"q": "heat"})) == []
    assert _names(client.get("/v1/search", params={"q": "warmth"})) == ["Warmth"]
    assert _names(client.get("/v1/search", params={"q": "balloons"})) == []


def test_searches_and_clicks_are_logged_as_events(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    ids = seed_catalog(container)
    caller = make_caller()
    profile = add_profile(container, caller.account_id, "Ana")
    client.get(
        "/v1/search",
        params={"q": "heat", "profile_id": profile, "session_id": "s-1"},
        headers=caller.headers,
    )
    clicked = client.post(
        "/v1/search/clicks",
        json={"profile_id": profile, "query": "heat", "title_id": ids["Heat"], "position": 0},
        headers=caller.headers,
    )
    assert clicked.status_code == 204
    container.search.search_log.flush()  # searches are logged by a background thread
    events = [json.loads(e.payload) for e in container.event_log.profile_entries(profile)]
    kinds = [(e["type"], e.get("query")) for e in events]
    assert ("search", "heat") in kinds
    assert ("click", "heat") in kinds


def test_bad_input_and_foreign_profiles(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    owner, other = make_caller(), make_caller()
    profile = add_profile(container, owner.account_id, "Mine")
    assert client.get("/v1/search").status_code == 422
    assert client.get("/v1/search", params={"q": "x" * 201}).status_code == 422
    assert client.get("/v1/search", params={"q": "x", "kind": "opera"}).status_code == 422
    assert client.get("/v1/search", params={"q": "x", "profile_id": profile}).status_code == 401
    foreign = client.get(
        "/v1/search", params={"q": "x", "profile_id": profile}, headers=other.headers
    )
    assert foreign.status_code == 404
    # Punctuation only: nothing to match, but a well-formed empty answer.
    empty = client.get("/v1/search", params={"q": "?!"})
    assert empty.status_code == 200
    assert empty.json()["data"] == []
