"""The transcode job end to end, in-process: upload over tus → job → published, failed, canceled."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.domain.media import Manifest
from marquee.storage.db.tables import MediaAsset
from marquee.storage.jobs import JobRecord, JobState
from tests.api.tus import head, new_title, upload
from tests.conftest import Caller, MakeCaller
from tests.integration.worker_media import (
    after_cancel_request,
    make_source,
    published_keys,
    run_one,
    transcode_runner,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def producer(make_caller: MakeCaller) -> Caller:
    return make_caller("producer")


@pytest.fixture(scope="module")
def source_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_source(tmp_path_factory.mktemp("sources"))


def _upload_source(client: TestClient, who: Caller, data: bytes) -> int:
    title_id = new_title(client, who)
    url = upload(client, who, data, title_id=title_id, filename="tiny.mp4")
    return int(head(client, who, url).headers["Marquee-Media-Asset"])


def test_a_transcode_publishes_the_rendition_set_and_reports_progress(
    client: TestClient,
    container: Container,
    producer: Caller,
    source_bytes: bytes,
    tmp_path: Path,
) -> None:
    asset_id = _upload_source(client, producer, source_bytes)
    job = run_one(transcode_runner(container, tmp_path / "work"))
    shown = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()
    assert (shown["status"], shown["ready"], shown["error"]) == ("ready", True, None)
    assert shown["probe"]["width"] == 320
    assert shown["probe"]["video_codec"] == "h264"
    assert shown["job"]["state"] == "succeeded"
    assert shown["job"]["progress"] == 1.0
    with container.db.session() as s:
        row = s.get(MediaAsset, asset_id)
        assert row is not None
        assert row.manifest is not None
        manifest = Manifest.from_json(row.manifest)
    assert manifest.prefix == f"media/{asset_id}/v{job.id}-1"
    assert [v.height for v in manifest.variants] == [240]
    keys = published_keys(container.blobs, manifest)
    assert set(keys) <= set(container.blobs.list(f"media/{asset_id}/"))
    assert not list((tmp_path / "work").iterdir()), "the scratch folder was not cleaned up"


def test_a_retranscode_replaces_the_old_set_and_deletes_it(
    client: TestClient,
    container: Container,
    producer: Caller,
    source_bytes: bytes,
    tmp_path: Path,
) -> None:
    asset_id = _upload_source(client, producer, source_bytes)
    runner = transcode_runner(container, tmp_path / "work")
    run_one(runner)
    first = container.media.get_asset(asset_id=asset_id)
    again = client.post(f"/v1/media/{asset_id}/retranscode", headers=producer.headers)
    assert again.status_code == 202
    assert again.json()["ready"] is True  # the old set is served until the new one is complete
    assert again.json()["status"] == "queued"
    second_job = run_one(runner)
    assert first.job is not None
    assert second_job.id != first.job.id
    folders = {key.split("/")[2] for key in container.blobs.list(f"media/{asset_id}/")}
    assert folders == {f"v{second_job.id}-1"}


def test_a_file_that_is_not_a_video_fails_at_once_with_the_reason(
    client: TestClient, container: Container, producer: Caller, tmp_path: Path
) -> None:
    asset_id = _upload_source(client, producer, b"this is a text file, not a video\n" * 10)
    job = run_one(transcode_runner(container, tmp_path / "work"))
    ended = container.jobs.get(job.id)
    assert (ended.state, ended.attempts) == (JobState.FAILED, 1)  # no retry can fix it
    shown = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()
    assert shown["status"] == "failed"
    assert shown["ready"] is False
    assert shown["error"]
    assert shown["error"] == ended.error
    listing = client.get(f"/v1/titles/{shown['title_id']}/media", headers=producer.headers)
    assert listing.json()["data"][0]["error"] == shown["error"]
    assert list(container.blobs.list(f"media/{asset_id}/")) == []


def test_canceling_a_running_transcode_stops_it_and_publishes_nothing(
    client: TestClient,
    container: Container,
    producer: Caller,
    source_bytes: bytes,
    tmp_path: Path,
) -> None:
    asset_id = _upload_source(client, producer, source_bytes)

    def cancel_through_the_api(job: JobRecord) -> None:
        answer = client.post(f"/v1/jobs/{job.id}/cancel", headers=producer.headers)
        assert answer.status_code == 202
        assert (answer.json()["state"], answer.json()["cancel_requested"]) == ("running", True)

    runner = transcode_runner(
        container, tmp_path / "work", lease_s=0.6, wrap=after_cancel_request(cancel_through_the_api)
    )
    job = run_one(runner)
    assert container.jobs.get(job.id).state is JobState.CANCELED
    shown = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()
    assert (shown["status"], shown["ready"]) == ("canceled", False)
    assert list(container.blobs.list(f"media/{asset_id}/")) == []
    assert client.post(f"/v1/jobs/{job.id}/cancel", headers=producer.headers).status_code == 409


def test_a_stopping_worker_hands_its_job_back_without_spending_an_attempt(
    client: TestClient,
    container: Container,
    producer: Caller,
    source_bytes: bytes,
    tmp_path: Path,
) -> None:
    asset_id = _upload_source(client, producer, source_bytes)
    stopping = threading.Event()
    runner = transcode_runner(
        container, tmp_path / "work", wrap=after_cancel_request(lambda job: stopping.set())
    )
    job = run_one(runner, stopping)
    released = container.jobs.get(job.id)
    assert (released.state, released.attempts) == (JobState.QUEUED, 0)
    assert container.media.get_asset(asset_id=asset_id).status == "queued"
    run_one(transcode_runner(container, tmp_path / "work"))
    assert container.media.get_asset(asset_id=asset_id).ready
