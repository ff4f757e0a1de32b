"""``marquee demo`` from an empty directory: migrates, populates, serves, answers as documented."""

from __future__ import annotations

import socket
import sqlite3
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
        deadline = time.monotonic() + 180  # imports and transcodes a sample clip first
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the demo did not start within 180 s"
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
        _a_demo_title_plays(base, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=15)
        if server.stdout is not None:
            server.stdout.close()


def _a_demo_title_plays(base: str, data_dir: Path) -> None:
    """The viewer starts a transcoded title and fetches its master playlist and a segment."""
    with sqlite3.connect(data_dir / "marquee.db") as db:
        rows = db.execute("SELECT title_id FROM media_assets WHERE status = 'ready'").fetchall()
    assert rows, "the demo made no title playable"
    viewer = DEMO_LOGINS[0].email
    login = httpx.post(
        f"{base}/v1/auth/login", json={"email": viewer, "password": DEMO_PASSWORD}, timeout=5
    ).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    profiles = httpx.get(f"{base}/v1/profiles", headers=headers, timeout=5).json()["data"]
    adult = next(p for p in profiles if not p["is_kids"])
    started = httpx.post(
        f"{base}/v1/playback",
        json={"profile_id": adult["id"], "title_id": rows[0][0]},
        headers=headers,
        timeout=10,
    )
    assert started.status_code in (200, 201), started.text
    master = httpx.get(httpx.URL(base).join(started.json()["master_url"]), timeout=5)
    assert master.status_code == 200, master.text
    assert master.text.startswith("#EXTM3U")
    variant = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    media = httpx.get(httpx.URL(str(master.url)).join(variant), timeout=5)
    segment = next(line for line in media.text.splitlines() if line and not line.startswith("#"))
    assert httpx.get(httpx.URL(str(media.url)).join(segment), timeout=5).status_code == 200
    home = httpx.get(f"{base}/v1/profiles/{adult['id']}/home", headers=headers, timeout=10).json()
    # Onboarded by the demo: personal rows at once, not the anonymous popular fallback.
    assert home["source"] not in ("global", "segment", "database", "editorial"), home["source"]
    assert any(row["title"].startswith("Because you") for row in home["rows"]), home["rows"]
