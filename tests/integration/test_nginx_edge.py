"""The production edge: a real nginx with deploy/nginx/marquee.conf in front of the real app.

nginx runs as this user under a temporary prefix on a free port; the app runs in uvicorn in a
thread over the embedded stack. Playback starts through nginx (proxied to the app), the session
master comes from the app, and variant playlists and segments come from the blob folder,
served by nginx after its njs check of the same signatures.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from marquee.api import create_app
from marquee.bootstrap import Container
from marquee.config import Settings
from marquee.media.signing import UrlSigner, encode_key, media_key
from tests.api.playback_support import heights, movie, playlist_uris, rendition, viewer
from tests.conftest import MakeCaller
from tests.services import services_required

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
NJS_MODULE = Path("/usr/lib/nginx/modules/ngx_http_js_module.so")
DEBIAN_PACKAGES = "nginx libnginx-mod-http-js"

pytestmark = pytest.mark.parametrize("stack", ["embedded"], indirect=True)


def _need_nginx() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary and NJS_MODULE.exists():
        return binary
    reason = f"nginx with njs not installed (Debian: apt-get install {DEBIAN_PACKAGES})"
    if services_required():
        pytest.fail(f"{reason} and MARQUEE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def edge_config(*, conf_dir: Path, blob_dir: Path, state: Path, port: int, app_port: int) -> str:
    """The shipped config with its documented paths and ports pointed at this test."""
    text = (DEPLOY / "marquee.conf").read_text()
    replacements = {
        "/etc/marquee/nginx/": f"{conf_dir}/",
        "/var/lib/marquee/blobs/": f"{blob_dir}/",
        "/var/lib/marquee-edge/": f"{state}/",
        "/var/log/marquee-edge/": f"{state}/",
        "listen 8080;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/marquee.conf no longer contains {old!r}"
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Edge:
    base: str
    signer: UrlSigner


@pytest.fixture
def app_port(settings: Settings, container: Container) -> Iterator[int]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, container=container), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_for_port(port)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def edge(settings: Settings, tmp_path: Path, app_port: int) -> Iterator[Edge]:
    binary = _need_nginx()
    conf_dir, state = tmp_path / "nginx", tmp_path / "edge-state"
    conf_dir.mkdir()
    state.mkdir()
    shutil.copy(DEPLOY / "marquee_edge.js", conf_dir / "marquee_edge.js")
    port = _free_port()
    blob_dir = Path(urlsplit(settings.blob_url).path)
    conf = conf_dir / "marquee.conf"
    conf.write_text(edge_config(conf_dir=conf_dir, blob_dir=blob_dir, state=state, port=port,
                                app_port=app_port))  # fmt: skip
    key = media_key(settings)
    env = {**os.environ, "MARQUEE_MEDIA_KEY": encode_key(key)}
    # As root, nginx would hand requests to 'nobody', who cannot read pytest's private folders.
    directives = "daemon off; user root;" if os.geteuid() == 0 else "daemon off;"
    proc = subprocess.Popen(
        [binary, "-p", str(state), "-c", str(conf), "-g", directives],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port)
        yield Edge(f"http://127.0.0.1:{port}", UrlSigner(key))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, headers={**headers, "Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_nginx_serves_signed_media_and_refuses_everything_else(
    edge: Edge,
    container: Container,
    make_caller: MakeCaller,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    title = movie(container, rendition(tmp_path_factory))
    who = viewer(container, make_caller, plan="basic")
    body = json.dumps({"profile_id": who.profile_id, "title_id": title}).encode()
    status, answer = _post(f"{edge.base}/v1/playback", body, who.headers)
    assert status == 201, answer
    session = json.loads(answer)

    status, headers, master = _get(edge.base + session["master_url"])  # proxied to the app
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert heights(master.decode()) == [240, 360, 480, 720]
    media_url = next(u for u in playlist_uris(master.decode()) if "/720p/" in u)

    status, headers, media = _get(edge.base + media_url)  # served by nginx from the folder
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "private, max-age=10"
    segment_url = media_url.rsplit("/", 1)[0] + "/" + playlist_uris(media.decode())[0]
    status, headers, segment = _get(edge.base + segment_url)
    assert status == 200
    assert headers["Content-Type"] == "video/mp2t"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Request-ID" not in headers  # nginx served it; the app never saw the request
    assert "ETag" in headers
    assert segment[0] == 0x47
    status, headers, part = _get(edge.base + segment_url, {"Range": "bytes=10-19"})
    assert status == 206
    assert part == segment[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(segment)}"
    status, _, _ = _get(edge.base + segment_url, {"Range": f"bytes={len(segment)}-"})
    assert status == 416

    session_id, expires, sig = segment_url.split("/")[3:6]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    refused = {
        "tampered": segment_url.replace(sig, flipped),
        "other prefix": segment_url.replace("/720p/", "/1080p/"),
        "other session": segment_url.replace(session_id, "pSomeoneElse0000"),
        "later expiry": segment_url.replace(f"/{expires}/", f"/{int(expires) + 60}/"),
        "traversal": segment_url.replace("/720p/", "/720p/../1080p/"),
    }
    prefix = "/".join(segment_url.split("/")[6:-2])  # media/{title}/0/{token}
    refused["expired"] = edge.signer.url(
        session=session_id, expires=int(time.time()) - 1, scope=f"{prefix}/720p", path="index.m3u8"
    )
    for case, url in refused.items():
        status, headers, problem = _get(edge.base + url)
        assert status == 403, case
        assert headers["Content-Type"] == "application/problem+json", case
        assert json.loads(problem)["detail"].startswith("media URL refused"), case
        assert "X-Request-ID" not in headers, case  # refused by njs, not by the app
    assert b"expired" in _get(edge.base + refused["expired"])[2]
