"""GET /v1/titles/{id}/similar: neighbours filtered for the profile and ordered by its taste."""

from __future__ import annotations

from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.domain.maturity import KIDS_MAX_LEVEL
from tests.conftest import MakeCaller
from tests.home_support import build_world, precompute


def test_similar_titles_share_genres_and_explain_themselves(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    w = build_world(container, caller.account_id)
    precompute(container)
    title = w.titles[0]
    response = client.get(
        f"/v1/titles/{title}/similar", params={"profile_id": w.adult}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"]) > 0
    ids = [i["title"]["id"] for i in body["data"]]
    assert title not in ids
    assert len(ids) == len(set(ids))
    assert body["data"][0]["explanation"] == "More like Title 00"


def test_kids_similar_lists_stay_within_their_level(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    w = build_world(container, caller.account_id)
    precompute(container)
    kid_safe = [t for t in w.titles if w.levels[t] <= KIDS_MAX_LEVEL]
    response = client.get(
        f"/v1/titles/{kid_safe[0]}/similar", params={"profile_id": w.kids}, headers=caller.headers
    )
    assert response.status_code == 200
    assert all(w.levels[i["title"]["id"]] <= KIDS_MAX_LEVEL for i in response.json()["data"])
    adult_only = next(t for t in w.titles if w.levels[t] > KIDS_MAX_LEVEL)
    hidden = client.get(
        f"/v1/titles/{adult_only}/similar", params={"profile_id": w.kids}, headers=caller.headers
    )
    assert hidden.status_code == 404


def test_similar_needs_the_callers_own_profile_and_a_known_title(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    owner, stranger = make_caller(), make_caller()
    w = build_world(container, owner.account_id)
    url = f"/v1/titles/{w.titles[0]}/similar"
    assert (
        client.get(url, params={"profile_id": w.adult}, headers=stranger.headers).status_code == 404
    )
    missing = client.get(
        "/v1/titles/999999/similar", params={"profile_id": w.adult}, headers=owner.headers
    )
    assert missing.status_code == 404
    no_profile = client.get(url, headers=owner.headers)
    assert no_profile.status_code == 422
