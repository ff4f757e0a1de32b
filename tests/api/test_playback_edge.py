"""The embedded edge: signature checks, HTTP ranges, validators, content types, cache headers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from tests.api.playback_support import (
    Rendition,
    movie,
    playlist_uris,
    rendition,
    started,
    viewer,
)
from tests.conftest import MakeCaller


@pytest.fixture
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Rendition:
    return rendition(tmp_path_factory)


@pytest.fixture
def session(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> dict[str, Any]:
    title = movie(container, ladder)
    who = viewer(container, make_caller, plan="standard")
    body = started(client, who, title)
    master = client.get(body["master_url"]).text
    media = next(u for u in playlist_uris(master) if "/720p/" in u)
    segment = media.rsplit("/", 1)[0] + "/" + playlist_uris(client.get(media).text)[0]
    return {**body, "media": media, "segment": segment, "viewer": who, "title_id": title}


def test_segments_and_playlists_carry_their_type_and_cache_policy(
    client: TestClient, session: dict[str, Any]
) -> None:
    media = client.get(session["media"])
    assert media.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert media.headers["cache-control"] == "private, max-age=10"
    segment = client.get(session["segment"])
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert segment.headers["accept-ranges"] == "bytes"
    assert int(segment.headers["content-length"]) == len(segment.content) > 1000
    assert segment.content[0] == 0x47  # an MPEG-TS sync byte
    master = client.get(session["master_url"])
    assert master.headers["cache-control"] == "private, no-store"


def test_range_requests(client: TestClient, session: dict[str, Any]) -> None:
    whole = client.get(session["segment"]).content
    size = len(whole)
    part = client.get(session["segment"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.content == whole[100:200]
    tail = client.get(session["segment"], headers={"Range": "bytes=-50"})
    assert tail.status_code == 206
    assert tail.content == whole[-50:]
    rest = client.get(session["segment"], headers={"Range": f"bytes={size - 10}-"})
    assert rest.content == whole[-10:]
    past = client.get(session["segment"], headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"
    assert past.headers["content-type"] == "application/problem+json"
    many = client.get(session["segment"], headers={"Range": "bytes=0-1,5-6"})
    assert many.status_code == 200
    assert many.content == whole


def test_validators_and_head(client: TestClient, session: dict[str, Any]) -> None:
    first = client.get(session["segment"])
    etag = first.headers["etag"]
    again = client.get(session["segment"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    stale = client.get(session["segment"], headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200
    assert stale.content == first.content
    head = client.head(session["segment"])
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(first.content))


def _swap(url: str, index: int, value: str) -> str:
    parts = url.split("/")  # ["", "media", "s", session, expires, sig, ...]
    parts[index] = value
    return "/".join(parts)


@pytest.mark.parametrize("change", ["signature", "session", "expiry", "prefix", "traversal"])
def test_tampered_urls_are_refused(
    client: TestClient, session: dict[str, Any], change: str
) -> None:
    url = session["segment"]
    sig = url.split("/")[5]
    tampered = {
        "signature": _swap(url, 5, ("A" if sig[0] != "A" else "B") + sig[1:]),
        "session": _swap(url, 3, "pOtherSession0000000000"),
        "expiry": _swap(url, 4, str(int(url.split("/")[4]) + 3600)),
        "prefix": url.replace("/720p/", "/1080p/"),
        "traversal": url.replace("/720p/", "/720p/%2E%2E/1080p/"),
    }[change]
    response = client.get(tampered)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("media URL refused")


def test_another_sessions_token_does_not_open_this_sessions_master(
    client: TestClient, session: dict[str, Any], container: Container, make_caller: MakeCaller
) -> None:
    other = started(client, viewer(container, make_caller), session["title_id"])
    mine, theirs = session["master_url"].split("/"), other["master_url"].split("/")
    mixed = "/".join(mine[:6] + theirs[6:])  # my session's token, their master's path
    assert client.get(mixed).status_code == 403


def test_expired_urls_are_refused(
    client: TestClient, session: dict[str, Any], container: Container, clock: ManualClock
) -> None:
    assert client.get(session["segment"]).status_code == 200
    clock.advance(seconds=container.settings.playback.url_ttl_s + 1)
    response = client.get(session["segment"])
    assert response.status_code == 403
    assert response.json()["detail"] == "media URL refused: the link has expired"


def test_a_stopped_sessions_master_is_gone(client: TestClient, session: dict[str, Any]) -> None:
    who = session["viewer"]
    client.post(f"/v1/playback/{session['session_id']}/stop", headers=who.headers)
    assert client.get(session["master_url"]).status_code == 404
    assert client.get(session["segment"]).status_code == 200  # signed URLs live to their expiry
