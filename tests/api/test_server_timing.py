"""Every response says how long the app took, so load tests can read server-side latency."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_responses_carry_the_apps_time_in_server_timing(client: TestClient) -> None:
    for response in (client.get("/healthz"), client.get("/v1/no-such-route")):
        match = re.fullmatch(r"app;dur=(\d+\.\d{2})", response.headers["server-timing"])
        assert match is not None
        assert float(match.group(1)) >= 0.0
