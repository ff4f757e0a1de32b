"""``marquee demo`` from an empty directory: migrates, populates, serves, answers as documented."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from marquee.cli.demo import DEMO_LOGINS, DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_serves_a_ready_populated_platform_with_working_logins(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "marquee.cli", "--data-dir", str(tmp_path), "demo"]
    command += ["--port", str(port), "--profiles", "40", "--titles", "60"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the demo did not start within 60 s"
                time.sleep(0.3)
        assert ready.status_code == 200
        titles = httpx.get(f"{base}/v1/titles?limit=5", timeout=5).json()
        assert titles["count"] == 60
        assert len(titles["data"]) == 5
        for login in DEMO_LOGINS:
            response = httpx.post(
                f"{base}/v1/auth/login",
                json={"email": login.email, "password": DEMO_PASSWORD},
                timeout=5,
            )
            assert response.status_code == 200, response.text
        plans = httpx.get(f"{base}/v1/plans", timeout=5).json()
        assert {p["code"] for p in plans["data"]} >= {"basic", "standard", "premium"}
    finally:
        server.terminate()
        server.wait(timeout=15)
