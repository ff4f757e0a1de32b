"""/v1/admin/experiments: define, start, stop; assignment reaches the homepage and its
impressions; results per variant from the lake; bad input, conflicts and roles."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.domain.roles import Role
from marquee.experiments.assignment import in_holdout
from marquee.experiments.definitions import ExperimentDraft, Variant
from marquee.recs.precompute import Precompute
from tests.conftest import Caller, MakeCaller
from tests.home_support import build_world

URL = "/v1/admin/experiments"


def _body(key: str = "mmr-test", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "description": "MMR diversity against the default rules",
        "variants": [
            {"name": "control", "weight": 50, "config": "default"},
            {"name": "diverse", "weight": 50, "config": "diverse"},
        ],
    }
    return {**body, **changes}


@pytest.fixture
def admin(make_caller: MakeCaller) -> Caller:
    return make_caller(Role.ADMIN)


def test_an_admin_defines_starts_and_stops_an_experiment(client: TestClient, admin: Caller) -> None:
    created = client.post(URL, json=_body(), headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert created.json()["salt"] == "mmr-test"
    assert client.get(URL, headers=admin.headers).json()["count"] == 1
    started = client.post(f"{URL}/mmr-test/start", headers=admin.headers)
    assert started.status_code == 200
    assert started.json()["status"] == "running"
    assert started.json()["started_at"]
    stopped = client.post(f"{URL}/mmr-test/stop", headers=admin.headers).json()
    assert stopped["status"] == "stopped"
    assert client.get(f"{URL}/mmr-test", headers=admin.headers).json()["stopped_at"]
    again = client.post(f"{URL}/mmr-test/start", headers=admin.headers)
    assert again.status_code == 409


def test_a_second_running_experiment_on_a_surface_is_a_conflict(
    client: TestClient, admin: Caller
) -> None:
    for key in ("first", "second"):
        assert client.post(URL, json=_body(key), headers=admin.headers).status_code == 201
    assert client.post(f"{URL}/first/start", headers=admin.headers).status_code == 200
    refused = client.post(f"{URL}/second/start", headers=admin.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "first" in refused.json()["detail"]
    duplicate = client.post(URL, json=_body("first"), headers=admin.headers)
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"variants": [{"name": "a", "config": "default"}, {"name": "b", "config": "nope"}]},
         "body.variants.1.config"),
        ({"key": "Bad Key!"}, "body.key"),
        ({"variants": [{"name": "a", "config": "default"}]}, "body.variants"),
        ({"variants": [{"name": "a", "config": "default"}, {"name": "a", "config": "diverse"}]},
         "body.variants.1.name"),
        ({"surface": "search"}, "body.surface"),
        ({"guardrails": {"max_error_rate": 2}}, "body.guardrails.max_error_rate"),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused_naming_the_field(
    client: TestClient, admin: Caller, changes: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=_body(**changes), headers=admin.headers)
    assert response.status_code == 422, response.text
    assert field in [p["field"] for p in response.json()["errors"]]


def test_only_admins_see_experiments(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller()
    assert client.get(URL, headers=viewer.headers).status_code == 403
    admin = make_caller(Role.ADMIN)
    assert client.get(f"{URL}/missing", headers=admin.headers).status_code == 404
    assert client.post(f"{URL}/missing/stop", headers=admin.headers).status_code == 404


def _play(
    profile: int, title: int, clock: ManualClock, kind: str, position: float
) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4().hex, "type": kind, "profile_id": profile, "session_id": "s-1",
        "item": {"title_id": title}, "position_s": position, "duration_s": 600.0,
        "client_time": clock().isoformat(),
    }  # fmt: skip


def test_the_running_experiment_assigns_pages_and_its_results_count_them(
    client: TestClient,
    container: Container,
    clock: ManualClock,
    admin: Caller,
    make_caller: MakeCaller,
) -> None:
    viewer = make_caller()
    world = build_world(container, viewer.account_id)
    client.post(URL, json=_body(), headers=admin.headers)
    client.post(f"{URL}/mmr-test/start", headers=admin.headers)
    clock.advance(seconds=1)
    served: dict[int, str] = {}
    for profile in [world.adult, *world.others]:
        page = client.get(f"/v1/profiles/{profile}/home", headers=viewer.headers).json()
        served[profile] = page["variant"]
        expected_config = {"control": "default", "diverse": "diverse", "holdout": "default"}
        assert page["config"] == expected_config[page["variant"]]
        assert (page["variant"] == "holdout") == in_holdout(profile, 5.0)
    container.home.impressions.flush()
    impressions = [
        e for e in container.event_log.profile_entries(world.adult) if b"impression" in e.payload
    ]
    variant = served[world.adult]
    expected = {"holdout": "home"} if variant == "holdout" else {"mmr-test": variant}
    assert json.loads(impressions[0].payload)["experiments"] == expected
    clock.advance(minutes=1)
    title = world.titles[0]
    events = [
        _play(world.adult, title, clock, "play_start", 0.0),
        _play(world.adult, title, clock, "complete", 600.0),
    ]
    assert (
        client.post("/v1/events", json={"events": events}, headers=viewer.headers).status_code
        == 200
    )
    container.archiver.drain()
    body = client.get(f"{URL}/mmr-test/results", headers=admin.headers).json()
    exposed = {v: n for v, n in body["exposed"].items() if n}
    in_test = [p for p, v in served.items() if v != "holdout"]
    assert sum(exposed.values()) == len(in_test)
    assert {m["name"] for m in body["metrics"]} >= {"play_rate", "minutes", "completion"}
    if served[world.adult] != "holdout":
        minutes = next(m for m in body["metrics"] if m["name"] == "minutes")
        arm = next(v for v in minutes["variants"] if v["variant"] == served[world.adult])
        assert arm["value"] > 0
    guardrails = {(g["variant"], g["name"]): g["status"] for g in body["guardrails"]}
    assert set(guardrails.values()) <= {"ok", "unknown", "breached"}


def test_starting_an_experiment_gives_precompute_a_new_version(
    container: Container, make_caller: MakeCaller
) -> None:
    build_world(container, make_caller().account_id)

    def run() -> str:
        job = Precompute(
            db=container.db, kv=container.kv, settings=container.settings.recs,
            executor=container.compute, now=container.clock,
            allocation=container.experiments.allocation("home"),
        )  # fmt: skip
        return job.run().version

    before = run()
    assert run() == before  # nothing changed: the same version
    arms = [Variant("control", 1, "default"), Variant("popular", 1, "popular")]
    container.experiments.create(ExperimentDraft(key="pop", surface="home", variants=arms))
    container.experiments.start("pop")
    assert run() != before
