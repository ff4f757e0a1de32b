"""Onboarding: a diverse popular set, picks validated and stored, personal rows at once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.storage.db.tables import OnboardingPick
from tests.conftest import MakeCaller
from tests.home_support import build_world, precompute
from tests.recs_catalog import add_profile


def test_choices_are_popular_titles_across_genres(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    build_world(container, caller.account_id)
    new = add_profile(container, caller.account_id, "New")
    response = client.get(f"/v1/profiles/{new}/onboarding", headers=caller.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["min_picks"] == 3
    assert body["count"] == len(body["data"]) >= 3
    first_genres = [c["genres"][0] for c in body["data"][:6]]
    assert len(set(first_genres)) == len(first_genres), "the first picks repeat a genre"


def test_picks_give_personal_rows_at_once_without_a_new_precompute(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    w = build_world(container, caller.account_id)
    precompute(container)  # before the profile exists: nothing of it is precomputed
    new = add_profile(container, caller.account_id, "Bea")
    before = client.get(f"/v1/profiles/{new}/home", headers=caller.headers).json()
    assert before["source"] in ("segment", "global")
    picks = w.titles[:3]
    response = client.post(
        f"/v1/profiles/{new}/onboarding", json={"title_ids": picks}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["title_ids"] == picks
    page = client.get(f"/v1/profiles/{new}/home", headers=caller.headers).json()
    assert page["source"] == "coldstart"
    keys = [row["key"] for row in page["rows"]]
    assert any(k.startswith("picked-") for k in keys)
    personal = [r for r in page["rows"] if r["key"] == "top-picks" or r["key"].startswith("picked")]
    shown = {i["title"]["id"] for row in personal for i in row["items"]}
    assert not shown & set(picks), "picked titles are recommended back"
    why = [i["explanation"] for row in page["rows"] for i in row["items"]]
    assert any(w.startswith("Because you picked Title 0") for w in why)
    with container.db.session() as s:
        assert s.query(OnboardingPick).filter_by(profile_id=new).count() == 3
    entries = container.event_log.profile_entries(new)
    assert sum(b"thumbs_up" in e.payload for e in entries) == 3


def test_fewer_than_three_picks_or_unknown_ones_are_refused_by_field(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    w = build_world(container, caller.account_id)
    url = f"/v1/profiles/{w.adult}/onboarding"
    short = client.post(url, json={"title_ids": w.titles[:2]}, headers=caller.headers)
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "body"
    unknown = client.post(
        url, json={"title_ids": w.titles[:2], "genres": ["no-such-genre"]}, headers=caller.headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.genres.0"
    genres = client.post(url, json={"genres": ["drama", "comedy", "crime"]}, headers=caller.headers)
    assert genres.status_code == 200, genres.text


def test_another_accounts_profile_cannot_onboard(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    owner, stranger = make_caller(), make_caller()
    w = build_world(container, owner.account_id)
    url = f"/v1/profiles/{w.adult}/onboarding"
    assert client.get(url, headers=stranger.headers).status_code == 404
    sent = client.post(url, json={"title_ids": w.titles[:3]}, headers=stranger.headers)
    assert sent.status_code == 404
