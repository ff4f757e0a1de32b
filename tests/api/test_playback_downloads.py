"""Downloads: plan and title rules, and a real MP4 of an allowed rung behind a signed link."""

from __future__ import annotations

import io
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from tests.api.playback_support import Rendition, Viewer, movie, rendition, viewer
from tests.conftest import MakeCaller


@pytest.fixture
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Rendition:
    return rendition(tmp_path_factory)


def _download(client: TestClient, who: Viewer, title: int, **extra: Any) -> Any:
    body = {"profile_id": who.profile_id, "title_id": title, **extra}
    return client.post("/v1/downloads", json=body, headers=who.headers)


def _height(mp4: bytes) -> int:
    with av.open(io.BytesIO(mp4), format="mp4") as container:
        return int(container.streams.video[0].height)


def test_a_premium_viewer_downloads_a_playable_mp4_of_the_best_allowed_rung(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder, downloadable=True)
    premium = viewer(container, make_caller, plan="premium")
    response = _download(client, premium, title)
    assert response.status_code == 201, response.json()
    link = response.json()
    assert link["height"] == 1080
    assert link["filename"] == "1080p.mp4"
    file = client.get(link["url"])
    assert file.status_code == 200
    assert file.headers["content-type"] == "video/mp4"
    assert file.headers["content-disposition"] == 'attachment; filename="1080p.mp4"'
    assert len(file.content) == link["size_bytes"]
    assert _height(file.content) == 1080
    part = client.get(link["url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == file.content[:100]

    small = _download(client, premium, title, height=240).json()
    assert _height(client.get(small["url"]).content) == 240


def test_downloads_follow_the_plan_and_the_title(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    downloadable = movie(container, ladder, downloadable=True)
    streaming_only = movie(container, ladder, name="Cinema Only")
    basic = viewer(container, make_caller, plan="basic")
    refused = _download(client, basic, downloadable)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your Basic plan does not include downloads"

    premium = viewer(container, make_caller, plan="premium")
    refused = _download(client, premium, streaming_only)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "'Cinema Only' is not available for download"
    odd = _download(client, premium, downloadable, height=500)
    assert odd.status_code == 422
    assert odd.json()["errors"] == [
        {
            "field": "body.height",
            "reason": "no 500p rendition; choose one of 240p, 360p, 480p, 720p, 1080p",
        }
    ]

    container.plans.create_plan(
        code="mobile", name="Mobile", price_minor=499, max_resolution=720, max_streams=1,
        downloads=True,
    )  # fmt: skip
    mobile = viewer(container, make_caller, plan="mobile")
    above = _download(client, mobile, downloadable, height=1080)
    assert above.status_code == 403
    assert above.json()["detail"] == "1080p is above your plan's 720p"
    assert _download(client, mobile, downloadable).json()["height"] == 720
