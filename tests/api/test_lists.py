"""My List: add, list, remove (idempotent), maturity, ownership, and the events it publishes."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from tests.conftest import MakeCaller
from tests.recs_catalog import add_profile, seed_catalog


def test_saved_titles_come_back_newest_first_and_removal_is_idempotent(
    client: TestClient, container: Container, make_caller: MakeCaller, clock: ManualClock
) -> None:
    ids = seed_catalog(container)
    caller = make_caller()
    profile = add_profile(container, caller.account_id, "Ana")
    base = f"/v1/profiles/{profile}/list"
    for name in ("Heat", "Up"):
        assert client.put(f"{base}/{ids[name]}", headers=caller.headers).status_code == 204
        clock.advance(seconds=1)
    assert client.put(f"{base}/{ids['Heat']}", headers=caller.headers).status_code == 204
    listed = client.get(base, headers=caller.headers).json()
    assert [t["name"] for t in listed["data"]] == ["Up", "Heat"]
    assert client.delete(f"{base}/{ids['Heat']}", headers=caller.headers).status_code == 204
    assert client.delete(f"{base}/{ids['Heat']}", headers=caller.headers).status_code == 204
    assert client.get(base, headers=caller.headers).json()["count"] == 1
    events = [json.loads(e.payload) for e in container.event_log.profile_entries(profile)]
    kinds = [(e["type"], e["item"]["title_id"]) for e in events]
    assert kinds.count(("add_to_list", ids["Heat"])) == 1
    assert kinds.count(("remove_from_list", ids["Heat"])) == 1


def test_kids_cannot_save_adult_titles_and_strangers_cannot_touch_the_list(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    ids = seed_catalog(container)
    owner, stranger = make_caller(), make_caller()
    kids = add_profile(container, owner.account_id, "Kid", kids=True)
    base = f"/v1/profiles/{kids}/list"
    assert client.put(f"{base}/{ids['Heat']}", headers=owner.headers).status_code == 403
    assert client.put(f"{base}/{ids['Up']}", headers=owner.headers).status_code == 204
    assert client.put(f"{base}/999999", headers=owner.headers).status_code == 404
    assert client.get(base, headers=stranger.headers).status_code == 404
    assert client.put(f"{base}/{ids['Up']}", headers=stranger.headers).status_code == 404
    assert client.get(base).status_code == 401
    assert client.put(f"{base}/0", headers=owner.headers).status_code == 422
