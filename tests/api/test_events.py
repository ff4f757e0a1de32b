"""POST /v1/events: per-event validation, ownership, idempotency, limits and outages.

Expects the wiring ``container.events`` (EventsService) and ``container.event_log`` (EventLog).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.services.events import OWNERSHIP_TTL_S, EventsService
from marquee.storage.eventlog.redis_streams import RedisStreamsEventLog
from tests.conftest import Caller, MakeCaller


def profile_of(client: TestClient, caller: Caller, name: str = "Sofa") -> int:
    response = client.post("/v1/profiles", json={"name": name}, headers=caller.headers)
    assert response.status_code == 201, response.text
    profile_id: int = response.json()["id"]
    return profile_id


def event(profile_id: int, clock: ManualClock, **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "play_start",
        "profile_id": profile_id,
        "session_id": "s-1",
        "item": {"title_id": 42},
        "client_time": clock().isoformat(),
    } | overrides


def stored_ids(container: Container) -> list[str]:
    entries = container.event_log.read("test", "reader", count=1000)
    return [entry.event_id for entry in entries]


@pytest.fixture
def caller(make_caller: MakeCaller) -> Caller:
    return make_caller()


def test_valid_events_are_accepted_and_durable(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile = profile_of(client, caller)
    batch = [event(profile, clock), event(profile, clock, type="pause", position_s=31.5)]
    response = client.post("/v1/events", json={"events": batch}, headers=caller.headers)
    assert response.status_code == 200
    assert response.json() == {"accepted": [e["event_id"] for e in batch], "errors": []}
    assert stored_ids(container) == [e["event_id"] for e in batch]


def test_malformed_events_get_errors_while_the_rest_is_accepted(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile = profile_of(client, caller)
    good = event(profile, clock)
    batch = [
        event(profile, clock, type="teleport"),
        good,
        event(profile, clock, client_time=clock.advance(hours=0).replace(year=2030).isoformat()),
        "not an object",
    ]
    response = client.post("/v1/events", json={"events": batch}, headers=caller.headers)
    body = response.json()
    assert response.status_code == 200
    assert body["accepted"] == [good["event_id"]]
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (0, "type"),
        (2, "client_time"),
        (3, "event"),
    ]
    assert body["errors"][1]["reason"] == "more than 24 hours in the future"
    assert stored_ids(container) == [good["event_id"]]


def test_a_resent_event_is_stored_once(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile = profile_of(client, caller)
    once = event(profile, clock)
    for _ in range(2):
        response = client.post("/v1/events", json={"events": [once]}, headers=caller.headers)
        assert response.json()["accepted"] == [once["event_id"]]
    assert stored_ids(container) == [once["event_id"]]


def test_another_accounts_profile_is_not_found(
    client: TestClient, container: Container, clock: ManualClock, make_caller: MakeCaller
) -> None:
    owner, intruder = make_caller(), make_caller()
    foreign = event(profile_of(client, owner), clock)
    response = client.post("/v1/events", json={"events": [foreign]}, headers=intruder.headers)
    assert response.json() == {
        "accepted": [],
        "errors": [{"index": 0, "field": "profile_id", "reason": "no such profile"}],
    }
    assert stored_ids(container) == []


def test_clickstream_batches_are_accepted(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile = profile_of(client, caller)
    body = {
        "userId": profile,
        "sessionId": "web-1",
        "events": [
            {"eventType": "click", "page": "/browse", "timestamp": clock().isoformat()},
            {"eventType": "hover", "page": "/browse", "timestamp": clock().isoformat()},
        ],
    }
    response = client.post("/v1/events", json=body, headers=caller.headers)
    assert response.status_code == 200
    assert len(response.json()["accepted"]) == 1
    assert [e["index"] for e in response.json()["errors"]] == [1]
    assert stored_ids(container) == response.json()["accepted"]


def test_a_batch_over_500_events_is_too_large(
    client: TestClient, clock: ManualClock, caller: Caller
) -> None:
    batch = [event(1, clock) for _ in range(501)]
    response = client.post("/v1/events", json={"events": batch}, headers=caller.headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


def test_events_need_a_token(client: TestClient, clock: ManualClock) -> None:
    response = client.post("/v1/events", json={"events": [event(1, clock)]})
    assert response.status_code == 401


def test_an_unreachable_log_answers_503_with_retry_after(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile = profile_of(client, caller)
    dead = RedisStreamsEventLog("redis://127.0.0.1:1/0", socket_timeout=0.2)
    container.events = EventsService(event_log=dead, db=container.db, clock=clock)
    try:
        response = client.post(
            "/v1/events", json={"events": [event(profile, clock)]}, headers=caller.headers
        )
    finally:
        dead.close()
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0


def test_a_body_without_an_events_list_names_the_field(client: TestClient, caller: Caller) -> None:
    response = client.post("/v1/events", json={"events": "many"}, headers=caller.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["body.events"]


def test_a_body_that_is_not_json_is_a_bad_request(client: TestClient, caller: Caller) -> None:
    headers = caller.headers | {"content-type": "application/json"}
    response = client.post("/v1/events", content=b'{"events": [', headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_the_openapi_document_describes_both_batch_shapes(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/events"]["post"]
    shapes = operation["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    assert [shape["title"] for shape in shapes] == ["EventBatch", "ClickstreamBatch"]
    assert "parameters" not in operation  # the raw body is not mistaken for a query parameter


def test_a_deleted_profile_is_refused_at_once_though_its_ownership_was_cached(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile_of(client, caller)  # the account keeps one profile: the last cannot be deleted
    doomed = profile_of(client, caller, "Guest")
    first = client.post(
        "/v1/events", json={"events": [event(doomed, clock)]}, headers=caller.headers
    )
    assert first.json()["errors"] == []
    deleted = client.delete(f"/v1/profiles/{doomed}", headers=caller.headers)
    assert deleted.status_code == 204
    again = client.post(
        "/v1/events", json={"events": [event(doomed, clock)]}, headers=caller.headers
    )
    assert again.json()["errors"] == [
        {"index": 0, "field": "profile_id", "reason": "no such profile"}
    ]


def test_another_process_forgets_a_deleted_profile_within_the_ownership_ttl(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    profile_of(client, caller)
    doomed = profile_of(client, caller, "Guest")
    peer = EventsService(event_log=container.event_log, db=container.db, clock=clock)
    assert peer.ingest([event(doomed, clock)], account_id=caller.account_id).errors == []
    assert client.delete(f"/v1/profiles/{doomed}", headers=caller.headers).status_code == 204
    clock.advance(seconds=OWNERSHIP_TTL_S + 1)
    late = peer.ingest([event(doomed, clock)], account_id=caller.account_id)
    assert [(p.field, p.reason) for p in late.errors] == [("profile_id", "no such profile")]
