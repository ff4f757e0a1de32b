"""GDPR: deleting a profile or an account empties every store; the export holds everything."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.features.online import realtime_key, state_key
from marquee.services.privacy import PENDING_KEY, profile_prefix
from marquee.storage.db.base import Base
from tests.conftest import Caller, MakeCaller


@pytest.fixture
def caller(make_caller: MakeCaller) -> Caller:
    return make_caller()


def new_profile(client: TestClient, caller: Caller, name: str) -> int:
    response = client.post("/v1/profiles", json={"name": name}, headers=caller.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def send_events(client: TestClient, caller: Caller, clock: ManualClock, pid: int, n: int) -> None:
    batch = [
        {
            "event_id": str(uuid.uuid4()),
            "type": "play_start",
            "profile_id": pid,
            "session_id": "s-1",
            "item": {"title_id": 7},
            "client_time": clock().isoformat(),
        }
        for _ in range(n)
    ]
    response = client.post("/v1/events", json={"events": batch}, headers=caller.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["accepted"]) == n


def seed_online(container: Container, pid: int) -> list[str]:
    keys = [f"{profile_prefix(pid)}rows", realtime_key(pid), state_key(pid)]
    container.kv.set_many(dict.fromkeys(keys, b"x"))
    container.kv.set("feat:b:current", b"v1")
    container.kv.set(f"feat:b:v1:p:{pid}", b"{}")
    return [*keys, f"feat:b:v1:p:{pid}"]


def rows_in_db(container: Container, *, account_id: int | None, profile_ids: list[int]) -> set[str]:
    """Tables holding rows that name the account (when given) or one of the profiles."""
    found: set[str] = set()
    checks = [("profile_id", profile_ids)]
    if account_id is not None:
        checks.append(("account_id", [account_id]))
    with container.db.session() as s:
        for table in Base.metadata.sorted_tables:
            columns = dict(checks)
            if table.name == "profiles":
                columns["id"] = profile_ids
            elif table.name == "accounts" and account_id is not None:
                columns["id"] = [account_id]
            for column, values in columns.items():
                if column in table.columns:
                    query = select(table).where(table.columns[column].in_(values))
                    if s.execute(query).first() is not None:
                        found.add(table.name)
    return found


def stored(container: Container, pid: int) -> tuple[int, int]:
    """(entries in the event log, rows in the lake) of the profile."""
    return len(container.event_log.profile_entries(pid)), container.lake.scan(
        profile_ids=[pid]
    ).num_rows


def test_deleting_a_profile_empties_every_store_of_it_only(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    keep, gone = new_profile(client, caller, "Keep"), new_profile(client, caller, "Gone")
    for pid in (keep, gone):
        send_events(client, caller, clock, pid, 4)
    container.archiver.drain()  # some events in the lake ...
    for pid in (keep, gone):
        send_events(client, caller, clock, pid, 3)  # ... and some only in the log
    gone_keys, kept_keys = seed_online(container, gone), seed_online(container, keep)
    assert stored(container, gone) == (7, 4)

    response = client.delete(f"/v1/profiles/{gone}", headers=caller.headers)
    assert response.status_code == 204
    assert stored(container, gone) == (0, 0)
    assert rows_in_db(container, account_id=None, profile_ids=[gone]) == set()
    assert rows_in_db(container, account_id=None, profile_ids=[keep]) == {"profiles"}
    assert container.kv.get_many(gone_keys) == [None] * len(gone_keys)
    # The other profile keeps everything, and nothing is left pending.
    assert stored(container, keep) == (7, 4)
    assert None not in container.kv.get_many(kept_keys)
    assert container.kv.hgetall(PENDING_KEY) == {}
    # Events still in flight for the deleted profile never reach the lake.
    container.archiver.drain()
    assert stored(container, gone) == (0, 0)


def test_the_last_profile_is_refused_and_nothing_is_erased(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    only = new_profile(client, caller, "Only")
    send_events(client, caller, clock, only, 2)
    response = client.delete(f"/v1/profiles/{only}", headers=caller.headers)
    assert response.status_code == 409
    assert stored(container, only) == (2, 0)
    assert container.kv.hgetall(PENDING_KEY) == {}


def test_another_accounts_profile_is_not_found_and_kept(
    client: TestClient, container: Container, clock: ManualClock, make_caller: MakeCaller
) -> None:
    owner, other = make_caller(), make_caller()
    pid = new_profile(client, owner, "Mine")
    new_profile(client, owner, "Second")
    send_events(client, owner, clock, pid, 2)
    response = client.delete(f"/v1/profiles/{pid}", headers=other.headers)
    assert response.status_code == 404
    assert stored(container, pid) == (2, 0)


def test_deleting_the_account_empties_every_store(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    pids = [new_profile(client, caller, "One"), new_profile(client, caller, "Two")]
    container.billing.subscribe(
        account_id=caller.account_id,
        plan_code="standard",
        payment_method="pm_card_ok",
        idempotency_key="privacy-test",
    )
    for pid in pids:
        send_events(client, caller, clock, pid, 3)
    container.archiver.drain()
    send_events(client, caller, clock, pids[0], 2)
    online = [key for pid in pids for key in seed_online(container, pid)]
    assert rows_in_db(container, account_id=caller.account_id, profile_ids=pids)

    assert client.delete("/v1/me", headers=caller.headers).status_code == 204
    assert rows_in_db(container, account_id=caller.account_id, profile_ids=pids) == set()
    assert [stored(container, pid) for pid in pids] == [(0, 0), (0, 0)]
    assert container.kv.get_many(online) == [None] * len(online)
    assert client.get("/v1/me", headers=caller.headers).status_code == 401


def test_the_export_holds_the_account_its_records_and_every_event(
    client: TestClient, container: Container, clock: ManualClock, caller: Caller
) -> None:
    pids = [new_profile(client, caller, "One"), new_profile(client, caller, "Two")]
    container.billing.subscribe(
        account_id=caller.account_id,
        plan_code="standard",
        payment_method="pm_card_ok",
        idempotency_key="export-test",
    )
    send_events(client, caller, clock, pids[0], 3)
    container.archiver.drain()
    send_events(client, caller, clock, pids[1], 2)

    response = client.get("/v1/me/export", headers=caller.headers)
    assert response.status_code == 200
    export: dict[str, Any] = response.json()
    assert export["format"] == "marquee-export/1"
    assert export["account"]["email"] == caller.email
    assert "password_hash" not in export["account"]
    assert sorted(p["id"] for p in export["profiles"]) == sorted(pids)
    assert all("pin_hash" not in p for p in export["profiles"])
    assert len(export["records"]["subscriptions"]) == 1
    assert "payments" in export["records"]
    events = export["events"]
    assert sorted(e["profile_id"] for e in events) == sorted([pids[0]] * 3 + [pids[1]] * 2)
    assert {e["type"] for e in events} == {"play_start"}
    assert all(e["title_id"] == 7 for e in events)


def test_the_export_needs_a_token(client: TestClient) -> None:
    assert client.get("/v1/me/export").status_code == 401
