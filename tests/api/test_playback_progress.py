"""Heartbeats: resume rules, Continue Watching, next episode, QoE for admins, playback events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from tests.api.playback_support import (
    DURATION_S,
    Rendition,
    Viewer,
    beat,
    movie,
    rendition,
    series,
    started,
    viewer,
)
from tests.conftest import MakeCaller


@pytest.fixture
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Rendition:
    return rendition(tmp_path_factory)


def _watch(
    client: TestClient, who: Viewer, title: int, share: float, **extra: Any
) -> dict[str, Any]:
    """Start, report ``share`` of the running time, stop; the stop answer."""
    session = started(client, who, title, **extra)
    assert (
        beat(client, who, session["session_id"], position_s=share * DURATION_S).status_code == 200
    )
    stopped = client.post(f"/v1/playback/{session['session_id']}/stop", headers=who.headers)
    assert stopped.status_code == 200
    body: dict[str, Any] = stopped.json()
    return body


def _continue(client: TestClient, who: Viewer) -> list[dict[str, Any]]:
    response = client.get(f"/v1/profiles/{who.profile_id}/continue-watching", headers=who.headers)
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_resume_rules_under_5_percent_nothing_over_90_percent_complete(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    ana = viewer(container, make_caller)
    session = started(client, ana, title)
    assert session["resume_position_s"] == 0
    sample = beat(client, ana, session["session_id"], position_s=0.04 * DURATION_S).json()
    assert sample["resume_position_s"] is None
    assert sample["completed"] is False
    middle = beat(client, ana, session["session_id"], position_s=0.5 * DURATION_S).json()
    assert middle["resume_position_s"] == pytest.approx(1.0)
    client.post(f"/v1/playback/{session['session_id']}/stop", headers=ana.headers)
    resumed = started(client, ana, title)
    assert resumed["resume_position_s"] == pytest.approx(1.0)
    client.post(f"/v1/playback/{resumed['session_id']}/stop", headers=ana.headers)
    assert [item["title_id"] for item in _continue(client, ana)] == [title]

    finished = _watch(client, ana, title, 0.95)
    assert finished["completed"] is True
    assert finished["resume_position_s"] is None
    assert _continue(client, ana) == []  # complete titles leave Continue Watching
    assert started(client, ana, title)["resume_position_s"] == 0  # and start over


def test_continue_watching_is_most_recent_first_with_the_next_episode_of_a_series(
    client: TestClient,
    container: Container,
    make_caller: MakeCaller,
    ladder: Rendition,
    clock: ManualClock,
) -> None:
    first_film, second_film = movie(container, ladder), movie(container, ladder)
    show, episodes = series(container, ladder, episodes=2)
    ana = viewer(container, make_caller, plan="premium")
    _watch(client, ana, first_film, 0.5)
    clock.advance(minutes=1)
    finished = _watch(client, ana, show, 0.95, episode_id=episodes[0])
    assert finished["next_episode"]["id"] == episodes[1]
    clock.advance(minutes=1)
    _watch(client, ana, second_film, 0.3)
    items = _continue(client, ana)
    assert [i["title_id"] for i in items] == [second_film, show, first_film]
    assert items[1]["reason"] == "next"
    assert items[1]["episode"]["id"] == episodes[1]
    assert items[0]["reason"] == "resume"
    assert items[0]["position_s"] == pytest.approx(0.6)
    clock.advance(minutes=1)
    _watch(client, ana, show, 0.95, episode_id=episodes[1])  # the last episode: series done
    assert [i["title_id"] for i in _continue(client, ana)] == [second_film, first_film]


def test_next_episode_is_the_first_then_the_one_after_the_last_finished(
    client: TestClient,
    container: Container,
    make_caller: MakeCaller,
    ladder: Rendition,
    clock: ManualClock,
) -> None:
    show, episodes = series(container, ladder, episodes=2)
    ana = viewer(container, make_caller)

    def next_up() -> Any:
        response = client.get(
            f"/v1/titles/{show}/next-episode",
            params={"profile_id": ana.profile_id},
            headers=ana.headers,
        )
        assert response.status_code == 200
        return response.json()["next"]

    assert next_up()["episode"]["id"] == episodes[0]
    _watch(client, ana, show, 0.5, episode_id=episodes[0])
    assert next_up()["episode"]["id"] == episodes[0]  # carry on with the one in progress
    assert next_up()["reason"] == "resume"
    clock.advance(minutes=1)
    _watch(client, ana, show, 0.95, episode_id=episodes[0])
    assert next_up()["episode"]["id"] == episodes[1]
    clock.advance(minutes=1)
    _watch(client, ana, show, 0.95, episode_id=episodes[1])
    assert next_up() is None
    other = viewer(container, make_caller)
    foreign = client.get(
        f"/v1/titles/{show}/next-episode",
        params={"profile_id": ana.profile_id},
        headers=other.headers,
    )
    assert foreign.status_code == 404


def test_qoe_is_stored_per_session_and_shown_to_admins_only(
    client: TestClient,
    container: Container,
    make_caller: MakeCaller,
    ladder: Rendition,
    clock: ManualClock,
) -> None:
    title = movie(container, ladder)
    ana = viewer(container, make_caller, plan="premium")
    session = started(client, ana, title, device="tv")["session_id"]
    clock.advance(seconds=3)
    first = beat(client, ana, session, position_s=0.2, bitrate_kbps=2000, startup_ms=1000)
    assert first.status_code == 200
    clock.advance(seconds=10)
    stalls = [{"duration_ms": 1500}, {"duration_ms": 500}]
    beat(client, ana, session, position_s=1.0, bitrate_kbps=4000, buffering_events=stalls,
         errors=["fragLoadError 1080p/seg_00000.ts"])  # fmt: skip

    admin = make_caller("admin")
    response = client.get("/v1/admin/playback/sessions", headers=admin.headers)
    assert response.status_code == 200
    row = next(r for r in response.json()["data"] if r["id"] == session)
    qoe = row["qoe"]
    assert qoe["startup_ms"] == 1000
    assert qoe["watch_s"] == pytest.approx(2 + 8)  # 3 s less startup, then 10 s less stalls
    assert qoe["rebuffer_ms"] == 2000
    assert qoe["rebuffer_events"] == 2
    assert qoe["rebuffer_ratio"] == pytest.approx(2 / 12)
    assert qoe["average_bitrate_kbps"] == pytest.approx((2 * 2000 + 8 * 4000) / 10)
    assert qoe["errors"] == 1
    assert row["last_errors"] == ["fragLoadError 1080p/seg_00000.ts"]
    assert row["device"] == "tv"
    assert row["plan"] == "premium"

    summary = client.get("/v1/admin/playback/summary", headers=admin.headers).json()
    assert summary["sessions"] == 1
    assert summary["startup_ms_p50"] == 1000
    assert summary["sessions_with_errors"] == 1
    assert client.get("/v1/admin/playback/sessions", headers=ana.headers).status_code == 403
    assert client.get("/v1/admin/playback/summary", headers=ana.headers).status_code == 403


def test_playback_events_reach_the_event_log(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    ana = viewer(container, make_caller)
    _watch(client, ana, title, 0.95)
    entries = container.event_log.read("playback-test", "reader", count=50)
    events = [json.loads(entry.payload) for entry in entries]
    assert [e["type"] for e in events] == ["play_start", "heartbeat", "complete", "stop"]
    assert {e["profile_id"] for e in events} == {ana.profile_id}
    assert all(e["item"]["title_id"] == title for e in events)


def test_heartbeats_to_stopped_or_foreign_sessions_are_refused(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    ana, bob = viewer(container, make_caller), viewer(container, make_caller)
    session = started(client, ana, title)["session_id"]
    assert beat(client, bob, session).status_code == 404
    client.post(f"/v1/playback/{session}/stop", headers=ana.headers)
    again = client.post(f"/v1/playback/{session}/stop", headers=ana.headers)
    assert again.status_code == 200
    assert again.json()["ended"] is True
    late = beat(client, ana, session)
    assert late.status_code == 409
    assert "has been stopped" in late.json()["detail"]
    bad = beat(client, ana, session, position_s=-1)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.position_s"
