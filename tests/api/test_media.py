"""Media assets and jobs over HTTP: listing, job state, cancel, retranscode, who may see them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.storage.jobs import JobState
from tests.api.tus import head, new_title, upload
from tests.conftest import Caller, MakeCaller


@pytest.fixture
def producer(make_caller: MakeCaller) -> Caller:
    return make_caller("producer")


def _source(client: TestClient, who: Caller, title_id: int, data: bytes = b"bytes") -> int:
    url = upload(client, who, data, title_id=title_id)
    return int(head(client, who, url).headers["Marquee-Media-Asset"])


def test_a_titles_media_lists_its_sources_newest_first_with_their_jobs(
    client: TestClient, producer: Caller
) -> None:
    title_id = new_title(client, producer)
    first = _source(client, producer, title_id, b"first")
    second = _source(client, producer, title_id, b"second source")
    listing = client.get(f"/v1/titles/{title_id}/media", headers=producer.headers)
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 2
    assert [a["id"] for a in body["data"]] == [second, first]
    newest = body["data"][0]
    assert (newest["status"], newest["ready"], newest["source_bytes"]) == ("queued", False, 13)
    assert newest["job"]["state"] == "queued"
    assert newest["job"]["progress"] == 0.0
    assert newest["probe"] is None


def test_job_state_is_readable_and_a_queued_job_cancels_at_once(
    client: TestClient, producer: Caller
) -> None:
    asset_id = _source(client, producer, new_title(client, producer))
    job_id = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()["job"]["id"]
    job = client.get(f"/v1/jobs/{job_id}", headers=producer.headers).json()
    assert (job["kind"], job["state"], job["attempts"], job["max_attempts"]) == (
        "transcode",
        "queued",
        0,
        5,
    )
    canceled = client.post(f"/v1/jobs/{job_id}/cancel", headers=producer.headers)
    assert canceled.status_code == 202
    assert canceled.json()["state"] == "canceled"
    assert client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()["status"] == (
        "canceled"
    )
    again = client.post(f"/v1/jobs/{job_id}/cancel", headers=producer.headers)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_retranscode_is_refused_while_a_job_is_pending_then_queues_a_new_one(
    client: TestClient, producer: Caller
) -> None:
    asset_id = _source(client, producer, new_title(client, producer))
    busy = client.post(f"/v1/media/{asset_id}/retranscode", headers=producer.headers)
    assert busy.status_code == 409
    old_job = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()["job"]["id"]
    client.post(f"/v1/jobs/{old_job}/cancel", headers=producer.headers)
    queued = client.post(f"/v1/media/{asset_id}/retranscode", headers=producer.headers)
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    assert queued.json()["job"]["id"] != old_job
    assert queued.json()["job"]["state"] == "queued"


def test_a_job_that_ended_without_its_handler_speaks_for_the_asset(
    client: TestClient, container: Container, producer: Caller
) -> None:
    """A worker killed on every attempt never records the failure on the asset itself."""
    asset_id = _source(client, producer, new_title(client, producer))
    job = container.jobs.claim("doomed", ["transcode"], lease_s=60)
    assert job is not None
    container.jobs.fail(job.id, "doomed", "the worker running it stopped responding", retry=False)
    shown = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()
    assert shown["status"] == "failed"
    assert shown["error"] == "the worker running it stopped responding"
    assert shown["job"]["state"] == JobState.FAILED.value


def test_viewers_get_403_and_strangers_401(
    client: TestClient, make_caller: MakeCaller, producer: Caller
) -> None:
    title_id = new_title(client, producer)
    asset_id = _source(client, producer, title_id)
    job_id = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()["job"]["id"]
    viewer = make_caller("viewer")
    calls = [
        ("GET", f"/v1/titles/{title_id}/media"),
        ("GET", f"/v1/media/{asset_id}"),
        ("POST", f"/v1/media/{asset_id}/retranscode"),
        ("GET", f"/v1/jobs/{job_id}"),
        ("POST", f"/v1/jobs/{job_id}/cancel"),
    ]
    for method, path in calls:
        assert client.request(method, path, headers=viewer.headers).status_code == 403, path
        assert client.request(method, path).status_code == 401, path
    assert client.get(f"/v1/jobs/{job_id}", headers=producer.headers).json()["state"] == "queued"


def test_unknown_ids_are_404(client: TestClient, producer: Caller) -> None:
    for path in ["/v1/titles/999999/media", "/v1/media/999999", "/v1/jobs/999999"]:
        answer = client.get(path, headers=producer.headers)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"
    assert client.post("/v1/jobs/999999/cancel", headers=producer.headers).status_code == 404
    assert client.get("/v1/media/0", headers=producer.headers).status_code == 422
