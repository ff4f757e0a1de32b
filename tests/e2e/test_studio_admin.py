"""Producers upload a video from the browser (tus, with progress), watch it transcode in the
server's own worker, fix the metadata and play the result; admins see health, QoE and accounts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from marquee.domain.roles import Role
from tests.e2e import media
from tests.e2e.conftest import Viewer, World
from tests.e2e.journeys import choose_profile, log_in, screenshot_both_sizes
from tests.e2e.test_player import wait_until_playing

pytestmark = pytest.mark.slow
MakeViewer = Callable[..., Viewer]
TRANSCODE_WAIT_MS = 180_000  # a 3 s clip; generous for two busy cores


def test_a_producer_uploads_a_video_that_transcodes_and_plays(
    page: Page, server: World, make_viewer: MakeViewer, tmp_path: Path
) -> None:
    producer = make_viewer(role=Role.PRODUCER)
    log_in(page, producer.email, producer.password)
    choose_profile(page, producer.adult_profile)
    page.goto("/studio")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("blank")
    page.get_by_label("Name").fill("Upload Day")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Upload Day")).to_be_visible()
    title_id = int(page.url.rsplit("/", 1)[1])

    # Wrong file type: explained before anything is sent.
    not_video = tmp_path / "notes.txt"
    not_video.write_text("not a film")
    expect(page.locator("#uploader")).to_have_attribute("data-ready", "true")
    page.get_by_label("Source video").set_input_files(not_video)
    expect(page.locator("#upload-message")).to_contain_text("is not a video")

    clip = media.make_clip(tmp_path / "clip.mp4")
    page.get_by_label("Source video").set_input_files(clip)
    with page.expect_response(lambda r: r.url.endswith("/v1/uploads") and r.status == 201):
        page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-message")).to_contain_text("Uploaded", timeout=60_000)
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    ready = page.locator('.asset[data-status="ready"]')
    expect(ready).to_have_count(1, timeout=TRANSCODE_WAIT_MS)

    # Metadata: a synopsis over the limit is refused inline, a good one is saved.
    page.get_by_label("Synopsis").fill("y" * 10_050)
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#f-description-error")).to_contain_text("At most 10000")
    page.get_by_label("Synopsis").fill("Three seconds of colour, uploaded from a browser.")
    page.get_by_label("Genres").fill("Science, Documentary")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    screenshot_both_sizes(page, "studio-title")

    page.goto(f"/title/{title_id}")
    expect(page.get_by_text("uploaded from a browser")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^\W*Play")).click()
    wait_until_playing(page, past_s=0.5)


def test_an_admin_sees_health_playback_quality_users_and_plans(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    admin = make_viewer(role=Role.ADMIN)
    log_in(page, admin.email, admin.password)
    choose_profile(page, admin.adult_profile)
    # Something to measure: one playback session with a heartbeat.
    page.goto(f"/watch/{server.movie_id}")
    wait_until_playing(page, past_s=1.0)
    with page.expect_response(re.compile(r"/heartbeat$")):
        pass
    page.goto("/admin")
    expect(page.locator("#health-status")).to_have_text("ready")
    expect(page.locator(".health-ok")).to_have_count(3)
    expect(page.locator("figure.chart svg")).to_have_count(2)
    expect(page.locator("#kpi-sessions")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(page.locator("figure.chart .chart-bar rect[height]").first).to_be_attached()
    screenshot_both_sizes(page, "admin")

    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("cell", name=admin.email, exact=True)).to_be_visible()
    screenshot_both_sizes(page, "admin-users")

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Plans").click()
    page.get_by_label("Price of Basic").fill("nine")
    page.get_by_role("button", name="Save Basic").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a price such as 9.99")
    screenshot_both_sizes(page, "admin-plans")


def test_viewers_cannot_open_the_studio_or_admin(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer()
    log_in(page, viewer.email, viewer.password)
    for path in ("/studio", "/admin"):
        answer = page.goto(path)
        assert answer is not None
        assert answer.status == 403
        expect(
            page.get_by_role("heading", name="You are not allowed to see this page.")
        ).to_be_visible()
