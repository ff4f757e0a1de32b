"""Starting playback: every check, the plan's resolution cap, and the concurrent-stream limit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from tests.api.playback_support import (
    Rendition,
    beat,
    heights,
    movie,
    playlist_uris,
    rendition,
    series,
    start,
    started,
    viewer,
)
from tests.conftest import MakeCaller


@pytest.fixture
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Rendition:
    return rendition(tmp_path_factory)


def _master(client: TestClient, session: dict[str, Any]) -> str:
    response = client.get(session["master_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    return response.text


def test_basic_plan_never_receives_a_variant_above_720p(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    basic = viewer(container, make_caller, plan="basic")
    session = started(client, basic, title)
    master = _master(client, session)
    assert heights(master) == [240, 360, 480, 720] == session["heights"]
    assert "1080p" not in master
    assert "TYPE=SUBTITLES" in master
    assert 'LANGUAGE="en"' in master
    # Every URI in the master is signed and works, subtitles included.
    for uri in playlist_uris(master):
        assert uri.startswith("/media/s/")
        assert client.get(uri).status_code == 200, uri
    # Editing a 720p URL to reach the 1080p rung is refused: the signature covers 720p/ only.
    rung = next(u for u in playlist_uris(master) if "/720p/" in u)
    assert client.get(rung.replace("/720p/", "/1080p/")).status_code == 403


def test_premium_plan_receives_the_whole_ladder(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    premium = viewer(container, make_caller, plan="premium")
    session = started(client, premium, title)
    assert heights(_master(client, session)) == [240, 360, 480, 720, 1080]
    assert client.get(session["poster_url"]).headers["content-type"] == "image/jpeg"
    assert client.get(session["thumbnails_url"]).headers["content-type"].startswith("text/vtt")


def test_a_third_stream_on_a_two_stream_plan_is_refused_until_one_stops(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    standard = viewer(container, make_caller, plan="standard")
    first = started(client, standard, title)
    started(client, standard, title)
    third = start(client, standard, title)
    assert third.status_code == 409
    assert third.json()["detail"].startswith(
        "You are already watching on 2 screens; your Standard plan allows 2."
    )
    stopped = client.post(f"/v1/playback/{first['session_id']}/stop", headers=standard.headers)
    assert stopped.status_code == 200
    assert stopped.json()["ended"] is True
    assert start(client, standard, title).status_code == 201


def test_a_crashed_client_frees_its_screen_when_the_lease_runs_out(
    client: TestClient,
    container: Container,
    make_caller: MakeCaller,
    ladder: Rendition,
    clock: ManualClock,
) -> None:
    title = movie(container, ladder)
    basic = viewer(container, make_caller, plan="basic")  # one stream
    crashed = started(client, basic, title)
    assert start(client, basic, title).status_code == 409
    clock.advance(seconds=container.settings.playback.lease_ttl_s - 1)
    assert beat(client, basic, crashed["session_id"], position_s=0.5).status_code == 200
    clock.advance(seconds=container.settings.playback.lease_ttl_s - 1)
    assert start(client, basic, title).status_code == 409  # the heartbeat kept it alive
    clock.advance(seconds=2)
    assert start(client, basic, title).status_code == 201
    late = beat(client, basic, crashed["session_id"], position_s=1)
    assert late.status_code == 409
    assert "no heartbeat for 45 s" in late.json()["detail"]


def test_a_kids_profile_cannot_start_a_title_above_its_maturity(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    mature = movie(container, ladder, rating="R", name="After Midnight")
    kid = viewer(container, make_caller, kids=True)
    response = start(client, kid, mature)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "kids profile 'Kim'" in detail
    assert "'After Midnight' is rated R" in detail
    assert start(client, kid, movie(container, ladder, rating="G")).status_code == 201


def test_a_title_not_licensed_in_the_profiles_country_is_refused(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    spain_only = movie(container, ladder, countries=["ES"])
    american = viewer(container, make_caller, country="US")
    response = start(client, american, spain_only)
    assert response.status_code == 403
    assert "not available in your country (US)" in response.json()["detail"]
    spaniard = viewer(container, make_caller, country="ES")
    assert start(client, spaniard, spain_only).status_code == 201


def test_refusals_say_why(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    unsubscribed = viewer(container, make_caller, plan=None)
    response = start(client, unsubscribed, title)
    assert response.status_code == 403
    assert "needs a subscription" in response.json()["detail"]

    subscribed = viewer(container, make_caller)
    not_ready = movie(container, None, name="Coming Soon")
    response = start(client, subscribed, not_ready)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "'Coming Soon' is not yet playable: no transcoded rendition is ready"
    )
    other = viewer(container, make_caller)
    theirs = {"profile_id": other.profile_id, "title_id": title}
    assert client.post("/v1/playback", json=theirs, headers=subscribed.headers).status_code == 404
    assert start(client, subscribed, 10**9).status_code == 404
    bad = client.post("/v1/playback", json={"title_id": title}, headers=subscribed.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.profile_id"


def test_a_series_needs_an_episode_of_its_own(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    show, episodes = series(container, ladder, episodes=1)
    fan = viewer(container, make_caller)
    missing = start(client, fan, show)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.episode_id"
    foreign = movie(container, None)
    assert start(client, fan, foreign, episode_id=episodes[0]).status_code == 404
    assert started(client, fan, show, episode_id=episodes[0])["episode_id"] == episodes[0]


def test_playback_needs_a_token(client: TestClient) -> None:
    assert client.post("/v1/playback", json={"profile_id": 1, "title_id": 1}).status_code == 401
