"""Resumable uploads over tus 1.0: create, chunked PATCH, resume, limits, termination, roles."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from marquee.api import create_app
from marquee.bootstrap import Container, bootstrap
from marquee.clock import ManualClock
from marquee.config import Settings
from marquee.storage.db.tables import MediaAsset, Upload
from marquee.storage.jobs import JobState
from tests.api.tus import TUS, create, head, metadata, new_title, patch, upload
from tests.blobs import CREDENTIALS, S3Endpoint
from tests.conftest import Caller, MakeCaller

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello\n"


@pytest.fixture
def producer(make_caller: MakeCaller) -> Caller:
    return make_caller("producer")


@pytest.fixture
def title_id(client: TestClient, producer: Caller) -> int:
    return new_title(client, producer)


def _problem_fields(response: object) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}  # type: ignore[attr-defined]


def test_options_advertise_the_protocol(client: TestClient, settings: Settings) -> None:
    answer = client.options("/v1/uploads")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {
        "creation",
        "termination",
        "expiration",
    }
    assert int(answer.headers["Tus-Max-Size"]) == settings.media.max_upload_bytes


def test_create_then_head_reports_offset_length_and_expiry(
    client: TestClient, producer: Caller, title_id: int
) -> None:
    created = create(client, producer, 5000, title_id=title_id, filename="film.mp4")
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    assert url.startswith("/v1/uploads/")
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert "GMT" in created.headers["Upload-Expires"]
    state = head(client, producer, url)
    assert state.status_code == 200
    assert (state.headers["Upload-Offset"], state.headers["Upload-Length"]) == ("0", "5000")
    assert state.headers["Cache-Control"] == "no-store"


def test_chunked_upload_of_a_source_makes_an_asset_and_queues_its_transcode(
    client: TestClient, container: Container, producer: Caller, title_id: int
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 123)  # 2 MiB chunks: over http.max_body_bytes (1 MiB)
    url = upload(client, producer, data, chunk=2 * 1024 * 1024, title_id=title_id)
    done = head(client, producer, url)
    assert done.headers["Upload-Offset"] == str(len(data))
    asset_id = int(done.headers["Marquee-Media-Asset"])
    with container.db.session() as s:
        asset = s.get(MediaAsset, asset_id)
        assert asset is not None
        assert (asset.title_id, asset.status, asset.source_bytes) == (title_id, "queued", len(data))
        source_key, job_id = asset.source_key, asset.job_id
    assert container.blobs.get_bytes(source_key) == data
    assert job_id is not None
    job = container.jobs.get(job_id)
    assert (job.kind, job.state, job.payload) == (
        "transcode",
        JobState.QUEUED,
        {"asset_id": asset_id},
    )


def test_a_patch_at_the_wrong_offset_is_409_and_changes_nothing(
    client: TestClient, producer: Caller, title_id: int
) -> None:
    url = create(client, producer, 100, title_id=title_id).headers["Location"]
    assert patch(client, producer, url, 0, b"a" * 40).status_code == 204
    for wrong in (0, 39, 41, 100):
        refused = patch(client, producer, url, wrong, b"b" * 10)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert _problem_fields(refused) == {"header.Upload-Offset"}
    assert head(client, producer, url).headers["Upload-Offset"] == "40"


def test_uploads_over_the_size_limit_are_refused_at_creation(
    client: TestClient, producer: Caller, title_id: int, settings: Settings
) -> None:
    too_big = create(client, producer, settings.media.max_upload_bytes + 1, title_id=title_id)
    assert too_big.status_code == 413
    assert _problem_fields(too_big) == {"header.Upload-Length"}


def test_nothing_is_stored_past_the_declared_length(
    client: TestClient, container: Container, producer: Caller, title_id: int
) -> None:
    url = create(client, producer, 10, title_id=title_id).headers["Location"]
    assert patch(client, producer, url, 0, b"x" * 11).status_code == 413
    assert head(client, producer, url).headers["Upload-Offset"] == "0"
    assert patch(client, producer, url, 0, b"x" * 10).status_code == 204
    with container.db.session() as s:
        row = s.get(Upload, url.rsplit("/", 1)[1])
        assert row is not None
        assert (row.state, row.offset) == ("complete", 10)


def test_an_interrupted_upload_resumes_from_the_offset_head_reports(
    client: TestClient, container: Container, producer: Caller, title_id: int
) -> None:
    data = os.urandom(300_000)
    url = create(client, producer, len(data), title_id=title_id).headers["Location"]
    caller = container.tokens.verify(producer.token)

    def dropped_connection() -> Iterator[bytes]:
        yield data[:100_000]
        yield data[100_000:120_000]
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        container.uploads.append(
            caller=caller, upload_id=url.rsplit("/", 1)[1], offset=0, chunks=dropped_connection()
        )
    offset = int(head(client, producer, url).headers["Upload-Offset"])
    assert offset == 120_000
    assert patch(client, producer, url, offset, data[offset:]).status_code == 204
    asset_id = int(head(client, producer, url).headers["Marquee-Media-Asset"])
    with container.db.session() as s:
        asset = s.get(MediaAsset, asset_id)
        assert asset is not None
        assert container.blobs.get_bytes(asset.source_key) == data


def test_termination_discards_the_upload(
    client: TestClient, container: Container, producer: Caller, title_id: int
) -> None:
    url = create(client, producer, 100, title_id=title_id).headers["Location"]
    patch(client, producer, url, 0, b"y" * 50)
    gone = client.delete(url, headers={**TUS, **producer.headers})
    assert gone.status_code == 204
    assert head(client, producer, url).status_code == 404
    assert patch(client, producer, url, 50, b"y").status_code == 404
    assert list(container.blobs.list("sources/")) == []


def test_viewers_may_not_upload(client: TestClient, make_caller: MakeCaller, title_id: int) -> None:
    viewer = make_caller("viewer")
    refused = create(client, viewer, 100, title_id=title_id)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    anonymous = client.post("/v1/uploads", headers={**TUS, "Upload-Length": "100"})
    assert anonymous.status_code == 401


def test_someone_elses_upload_is_not_found_but_admins_see_it(
    client: TestClient, make_caller: MakeCaller, producer: Caller, title_id: int
) -> None:
    url = create(client, producer, 100, title_id=title_id).headers["Location"]
    assert head(client, make_caller("producer"), url).status_code == 404
    assert patch(client, make_caller("producer"), url, 0, b"z").status_code == 404
    assert head(client, make_caller("admin"), url).status_code == 200


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title_id": 999_999}, "Upload-Metadata.title_id"),
        ({}, "Upload-Metadata.title_id"),
        ({"title_id": "abc"}, "Upload-Metadata.title_id"),
        ({"purpose": "poster"}, "Upload-Metadata.purpose"),
        ({"episode_id": 12345}, "Upload-Metadata.episode_id"),
        ({"purpose": "subtitle", "language": "not a language"}, "Upload-Metadata.language"),
    ],
)
def test_bad_metadata_is_422_naming_the_field(
    client: TestClient, producer: Caller, title_id: int, fields: dict[str, object], field: str
) -> None:
    fields = {"title_id": title_id, **fields} if "title_id" not in fields and fields else fields
    refused = create(client, producer, 100, **fields)
    assert refused.status_code == 422, refused.text
    assert _problem_fields(refused) == {field}


def test_protocol_errors(client: TestClient, producer: Caller, title_id: int) -> None:
    no_version = client.post(
        "/v1/uploads",
        headers={
            **producer.headers,
            "Upload-Length": "10",
            "Upload-Metadata": metadata(title_id=title_id),
        },
    )
    assert no_version.status_code == 412
    assert no_version.headers["Tus-Version"] == "1.0.0"
    no_length = client.post(
        "/v1/uploads",
        headers={**TUS, **producer.headers, "Upload-Metadata": metadata(title_id=title_id)},
    )
    assert no_length.status_code == 400
    assert _problem_fields(no_length) == {"header.Upload-Length"}
    bad_metadata = client.post(
        "/v1/uploads",
        headers={
            **TUS,
            **producer.headers,
            "Upload-Length": "10",
            "Upload-Metadata": "title_id !!!",
        },
    )
    assert bad_metadata.status_code == 422
    url = create(client, producer, 10, title_id=title_id).headers["Location"]
    wrong_type = client.patch(
        url,
        content=b"abc",
        headers={**TUS, **producer.headers, "Upload-Offset": "0", "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415


def test_json_bodies_elsewhere_keep_the_small_limit(client: TestClient, producer: Caller) -> None:
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    refused = client.post(
        "/v1/titles", content=big, headers={**producer.headers, "Content-Type": "application/json"}
    )
    assert refused.status_code == 413


def test_an_expired_upload_is_gone_and_swept(
    client: TestClient, container: Container, clock: ManualClock, producer: Caller, title_id: int
) -> None:
    url = create(client, producer, 100, title_id=title_id).headers["Location"]
    patch(client, producer, url, 0, b"q" * 10)
    clock.advance(seconds=container.settings.media.upload_ttl_s + 1)
    token = container.tokens.issue(account_id=producer.account_id, role=producer.role, session="s")
    later = Caller(producer.account_id, producer.email, producer.role, token)  # the old one expired
    assert head(client, later, url).status_code == 404
    assert container.uploads.expire() == 1
    with container.db.session() as s:
        assert s.get(Upload, url.rsplit("/", 1)[1]) is None


def test_subtitles_need_the_video_first_then_join_its_asset(
    client: TestClient, container: Container, producer: Caller, title_id: int
) -> None:
    early = create(client, producer, len(VTT), title_id=title_id, purpose="subtitle", language="en")
    assert early.status_code == 409
    source = upload(client, producer, b"not really a video", title_id=title_id)
    asset_id = int(head(client, producer, source).headers["Marquee-Media-Asset"])
    first_job = container.media.get_asset(asset_id=asset_id).job
    assert first_job is not None
    container.jobs.cancel(first_job.id)  # as if it had ended; a new transcode must be queued
    upload(
        client, producer, VTT, title_id=title_id, purpose="subtitle", language="en", label="English"
    )
    asset = container.media.get_asset(asset_id=asset_id)
    assert [(t.kind, t.language, t.label) for t in asset.sidecars] == [
        ("subtitle", "en", "English")
    ]
    assert asset.job is not None
    assert asset.job.id != first_job.id
    assert (asset.status, asset.job.state) == ("queued", JobState.QUEUED)


def test_a_subtitle_that_is_not_webvtt_is_refused_when_it_completes(
    client: TestClient, producer: Caller, title_id: int
) -> None:
    upload(client, producer, b"fake video", title_id=title_id)
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nHello\n"
    url = create(client, producer, len(srt), title_id=title_id, purpose="subtitle", language="fr")
    refused = patch(client, producer, url.headers["Location"], 0, srt)
    assert refused.status_code == 422
    assert "WEBVTT" in refused.json()["detail"] or "WebVTT" in refused.json()["detail"]


# The blob store does not depend on the database: one stack is enough.
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_uploads_work_on_an_s3_blob_store(
    settings: Settings,
    clock: ManualClock,
    s3_endpoint: S3Endpoint,
) -> None:
    s3_settings = settings.model_copy(
        update={
            "blob_url": f"s3://{s3_endpoint.new_bucket()}/marquee",
            "blob": settings.blob.model_copy(
                update={
                    "s3_endpoint_url": s3_endpoint.endpoint_url,
                    "s3_access_key_id": CREDENTIALS["access_key_id"],
                    "s3_secret_access_key": SecretStr(CREDENTIALS["secret_access_key"]),
                }
            ),
        }
    )
    container = bootstrap(s3_settings, clock=clock)
    try:
        with TestClient(create_app(s3_settings, container=container)) as client:
            who = _producer(container)
            title = new_title(client, who)
            data = os.urandom(6 * 1024 * 1024 + 5)
            url = upload(client, who, data, chunk=4 * 1024 * 1024, title_id=title)
            asset_id = int(head(client, who, url).headers["Marquee-Media-Asset"])
            assert container.media.get_asset(asset_id=asset_id).source_bytes == len(data)
            assert list(container.blobs.list("sources/")) == [f"sources/{url.rsplit('/', 1)[1]}"]
    finally:
        container.close()


def _producer(container: Container) -> Caller:
    from marquee.domain.roles import Role
    from marquee.storage.db.tables import Account

    with container.db.session() as s:
        account = Account(email="s3-producer@example.com", password_hash=None, role="producer")
        s.add(account)
        s.flush()
        account_id = account.id
    token = container.tokens.issue(account_id=account_id, role=Role.PRODUCER, session="s3test")
    return Caller(account_id, "s3-producer@example.com", Role.PRODUCER, token)
