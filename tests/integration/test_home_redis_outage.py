"""Redis stopped while the app serves: the homepage answers from the fallback chain, logged-out
tokens stay refused, and precomputed rows come back when Redis returns.

Each test runs its own ``redis-server`` on a free port (the shared Redis is never stopped), as
the online store and the event log of a PostgreSQL stack.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.config import Settings
from tests.home_support import build_world, precompute
from tests.services import need

PASSWORD = "correct horse battery staple"


class PrivateRedis:
    """A ``redis-server`` that saves its data on shutdown, so a restart brings the data back."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._args = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(directory), "--save", "3600 1", "--appendonly", "no",
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._args, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.025)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()  # SIGTERM: Redis saves its snapshot, then exits
            self._process.wait(timeout=10)
            self._process = None


@pytest.fixture
def stack() -> str:
    need("postgres")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    return "production"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, private_redis: PrivateRedis) -> Settings:
    # No page caches and a short breaker period: every request walks the chain, and recovery
    # shows within a second.
    recs = settings.recs.model_copy(
        update={"cache_ttl_s": 0.0, "live_ttl_s": 0.0, "breaker_reset_s": 0.2}
    )
    return settings.model_copy(
        update={"online_url": private_redis.url, "events_url": private_redis.url, "recs": recs}
    )


def _source(client: TestClient, profile: int, token: str) -> str:
    response = client.get(f"/v1/profiles/{profile}/home", headers=_bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["rows"]
    return str(response.json()["source"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _status(client: TestClient, profile: int, token: str) -> int:
    return client.get(f"/v1/profiles/{profile}/home", headers=_bearer(token)).status_code


def test_home_answers_from_the_fallback_chain_while_redis_is_stopped_and_recovers(
    client: TestClient, container: Container, private_redis: PrivateRedis
) -> None:
    signed = container.accounts.signup(email="outage@example.com", password=PASSWORD)
    world = build_world(container, signed.account.id)
    token = signed.tokens.access_token
    precompute(container)
    assert _source(client, world.adult, token) == "precomputed"

    private_redis.stop()
    for _ in range(5):
        assert _source(client, world.adult, token) in ("segment", "global")
    assert _source(client, world.kids, token) in ("segment", "global")

    private_redis.start()
    sources = []
    for _ in range(100):
        sources.append(_source(client, world.adult, token))
        if sources[-1] == "precomputed":
            break
        time.sleep(0.05)
    assert sources[-1] == "precomputed", sources


def test_logged_out_tokens_stay_refused_while_redis_is_stopped(
    client: TestClient, container: Container, private_redis: PrivateRedis
) -> None:
    signed = container.accounts.signup(email="revoked@example.com", password=PASSWORD)
    profile = build_world(container, signed.account.id).adult
    before = container.accounts.login(email="revoked@example.com", password=PASSWORD, client="a")
    during = container.accounts.login(email="revoked@example.com", password=PASSWORD, client="b")
    assert client.post("/v1/auth/logout", json={"refresh_token": before.refresh_token}).is_success

    private_redis.stop()
    assert _status(client, profile, signed.tokens.access_token) == 200
    assert _status(client, profile, during.access_token) == 200
    assert _status(client, profile, before.access_token) == 401
    logout = client.post("/v1/auth/logout", json={"refresh_token": during.refresh_token})
    assert logout.status_code == 204
    assert _status(client, profile, during.access_token) == 401

    private_redis.start()
    assert _status(client, profile, before.access_token) == 401
    assert _status(client, profile, during.access_token) == 401
    assert _status(client, profile, signed.tokens.access_token) == 200
