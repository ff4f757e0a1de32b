"""Cross-cutting API behaviour: problem+json, body limits, request ids, health and readiness."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marquee.api import create_app
from marquee.bootstrap import Container
from marquee.config import Settings

PROBLEM = "application/problem+json"


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"
    assert body["request_id"] == response.headers["x-request-id"]


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


def test_malformed_json_is_400_naming_the_body(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/login",
        content=b'{"email": "a@b.c", ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-json"


def test_unknown_field_is_422_naming_it(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/login", json={"email": "a@example.com", "password": "x" * 12, "admin": True}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "body.admin" in fields


def test_declared_oversized_body_is_413(client: TestClient, settings: Settings) -> None:
    big = b"x" * (settings.http.max_body_bytes + 1)
    response = client.post("/v1/auth/login", content=big, headers={"content-type": "text/plain"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_streamed_oversized_body_is_413(client: TestClient, settings: Settings) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(settings.http.max_body_bytes // 65536 + 2):
            yield b"x" * 65536

    response = client.post(
        "/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_request_id_is_kept_when_sane_and_replaced_when_not(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"x-request-id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    replaced = client.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"


def test_ready_when_every_backend_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert set(response.json()["checks"]) == {"database", "migrations", "online_store"}


@pytest.mark.parametrize("stack", ["production"], indirect=True)
def test_not_ready_names_the_unreachable_backend(settings: Settings, container: Container) -> None:
    # Only the production stack has an online store on the network that can go away.
    from marquee.bootstrap import bootstrap

    broken = bootstrap(settings.model_copy(update={"online_url": "redis://127.0.0.1:1/0"}))
    try:
        with TestClient(create_app(settings, container=broken)) as c:
            response = c.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["online_store"]["ok"] is False
        assert response.json()["checks"]["database"]["ok"] is True
        # Public probe: the failure is named, the address it tried is not.
        assert "127.0.0.1" not in response.text
    finally:
        broken.close()


def test_unexpected_error_is_a_500_problem_without_traceback(
    settings: Settings, container: Container
) -> None:
    app = create_app(settings, container=container)

    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", explode)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom", headers={"x-request-id": "boom-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "boom-1"
    assert response.json()["request_id"] == "boom-1"
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_openapi_document_declares_problem_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Marquee"
    assert "Problem" in spec["components"]["schemas"]


def test_access_log_records_how_long_the_request_took(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="marquee.access"):
        client.get("/healthz")
    (record,) = [r for r in caplog.records if r.name == "marquee.access"]
    elapsed_ms = record.__dict__["ms"]
    assert 0 <= elapsed_ms < 5_000
