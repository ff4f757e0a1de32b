"""GET /v1/profiles/{id}/home: precomputed rows, fallbacks, kids, scoping, /metrics."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from marquee.api.schemas.home import HomePublic
from marquee.bootstrap import Container, bootstrap
from marquee.clock import ManualClock
from marquee.config import Settings
from marquee.domain.maturity import KIDS_MAX_LEVEL
from marquee.storage.db.tables import EditorialPin, Exclusion
from tests.conftest import MakeCaller
from tests.home_support import World, build_world, precompute
from tests.recs_catalog import add_profile


@pytest.fixture
def world(container: Container, make_caller: MakeCaller) -> tuple[World, dict[str, str]]:
    caller = make_caller()
    return build_world(container, caller.account_id), caller.headers


def _home(client: TestClient, profile: int, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/v1/profiles/{profile}/home", headers=headers)
    assert response.status_code == 200, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


def _ids(page: dict) -> list[int]:  # type: ignore[type-arg]
    return [item["title"]["id"] for row in page["rows"] for item in row["items"]]


def test_home_after_precompute_serves_the_profiles_rows_with_explanations(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    summary = precompute(container)
    page = _home(client, w.adult, headers)
    assert page["source"] == "precomputed"
    assert page["model_version"] == summary.version
    assert page["variant"] == "control"
    keys = [row["key"] for row in page["rows"]]
    assert "top-picks" in keys
    assert any(k.startswith("because-") for k in keys) or "trending" in keys
    assert all(item["explanation"] for row in page["rows"] for item in row["items"])
    ids = _ids(page)
    recs = [i for row in page["rows"] if row["key"] not in ("watch-again",) for i in [row]]
    shown = [item["title"]["id"] for row in recs for item in row["items"]]
    assert len(shown) == len(set(shown)), "a title appears in two rows"
    assert len(ids) >= 10


def test_without_precompute_home_falls_back_to_popular_rows(
    client: TestClient, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    page = _home(client, w.adult, headers)
    assert page["source"] in ("segment", "global")
    assert page["rows"]
    assert page["rows"][0]["items"]


def test_an_empty_catalog_and_a_new_profile_get_an_empty_page_not_an_error(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    profile = add_profile(container, caller.account_id, "New")
    page = _home(client, profile, caller.headers)
    assert page["source"] == "editorial"
    assert page["rows"] == []


def test_kids_profile_never_sees_a_title_above_its_level(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    for run in ("fallback", "precomputed"):
        if run == "precomputed":
            precompute(container)
            container.home.forget()
        page = _home(client, w.kids, headers)
        assert _ids(page), run
        assert all(w.levels[t] <= KIDS_MAX_LEVEL for t in _ids(page)), run


def test_another_accounts_profile_is_not_found(
    client: TestClient, make_caller: MakeCaller, world: tuple[World, dict[str, str]]
) -> None:
    w, _ = world
    stranger = make_caller()
    response = client.get(f"/v1/profiles/{w.adult}/home", headers=stranger.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_excluded_titles_disappear_and_pins_lead_their_row(
    client: TestClient,
    container: Container,
    clock: ManualClock,
    world: tuple[World, dict[str, str]],
) -> None:
    w, headers = world
    precompute(container)
    page = _home(client, w.adult, headers)
    before = [
        i["title"]["id"] for r in page["rows"] if r["key"] != "watch-again" for i in r["items"]
    ]
    banned, pinned = before[0], before[-1]
    with container.db.session() as s:
        s.add(Exclusion(profile_id=None, title_id=banned, reason="test"))
        s.add(EditorialPin(row="top-picks", title_id=pinned, position=0))
    clock.advance(seconds=5)
    precompute(container)
    container.home.forget()
    page = _home(client, w.adult, headers)
    assert banned not in _ids(page)
    top = next(row for row in page["rows"] if row["key"] == "top-picks")
    assert top["items"][0]["title"]["id"] == pinned
    assert top["items"][0]["explanation"] == "Editor's pick"


def test_impressions_are_logged_with_row_position_and_variant(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    page = _home(client, w.adult, headers)
    container.home.impressions.flush()
    entries = [
        e for e in container.event_log.profile_entries(w.adult) if b"impression" in e.payload
    ]
    assert len(entries) == len(page["rows"])  # one record per row, its titles in context
    first = json.loads(entries[0].payload)
    assert first["row"] == page["rows"][0]["key"]
    assert first["position"] == 0
    logged = [t for e in entries for t in json.loads(e.payload)["context"]["titles"]]
    assert logged == _ids(page)
    assert first["experiments"] == {"home": "control"}
    assert first["context"]["level"] == page["source"]


def test_a_reused_page_is_answered_without_io_and_logged_like_a_built_one(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    precompute(container)
    home = container.home
    who = {"account_id": w.account_id, "profile_id": w.adult}
    assert home.reused_home(**who) is None  # nothing built yet: the API must build it
    built = _home(client, w.adult, headers)
    reused = home.reused_home(**who, session_id="s-reused")
    assert reused is not None
    assert _ids(built) == [i.card.id for r in reused.rows for i in r.items]
    again = _home(client, w.adult, headers)
    assert _ids(again) == _ids(built)
    home.impressions.flush()
    shown = [
        t
        for e in container.event_log.profile_entries(w.adult)
        if b"impression" in e.payload
        for t in json.loads(e.payload)["context"]["titles"]
    ]
    assert len(shown) == 3 * len(_ids(built))  # built, reused in process, reused over HTTP
    # Another account's token never reaches a page reused for this one.
    other = {"account_id": w.account_id + 1000, "profile_id": w.adult}
    assert home.reused_home(**other) is None


def test_metrics_expose_latency_cache_and_fallback_levels(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    # Precomputed rows stay cached for cache_ttl_s (fallback pages only 2 s, which a loaded
    # machine can outlast between two requests).
    precompute(container)
    _home(client, w.adult, headers)
    _home(client, w.adult, headers)
    text = client.get("/metrics").text
    assert 'marquee_recs_request_seconds_count{endpoint="home"} 2.0' in text
    assert 'marquee_recs_cache_requests_total{result="hit"} 1.0' in text
    assert "marquee_recs_fallback_total{level=" in text
    assert "marquee_recs_precompute_age_seconds" in text


def test_an_unreachable_online_store_still_answers_from_the_fallback_chain(
    settings: Settings,
    clock: ManualClock,
    container: Container,
    world: tuple[World, dict[str, str]],
) -> None:
    w, _ = world
    precompute(container)
    # The same database, but an online store nobody listens on (never stop the shared Redis).
    # Called in process: the API's token check reads revocations from the same store.
    # No whole-page cache, so every call walks the chain and reads the store.
    recs = settings.recs.model_copy(update={"live_ttl_s": 0.0})
    broken = bootstrap(
        settings.model_copy(update={"online_url": "redis://127.0.0.1:1/0", "recs": recs}),
        clock=clock,
    )
    try:
        for _ in range(5):
            started = time.perf_counter()
            page = broken.home.home(account_id=w.account_id, profile_id=w.adult)
            assert time.perf_counter() - started < 0.5
            assert page.level in ("segment", "global")
            assert page.rows
        assert broken.home.guard.breaker.is_open
    finally:
        broken.close()


def test_the_served_json_matches_the_documented_model(
    client: TestClient, container: Container, world: tuple[World, dict[str, str]]
) -> None:
    w, headers = world
    precompute(container)
    body = _home(client, w.adult, headers)
    page = container.home.home(account_id=w.account_id, profile_id=w.adult)
    assert body == json.loads(HomePublic.of(page).model_dump_json())
