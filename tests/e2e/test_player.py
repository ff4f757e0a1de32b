"""The player page in real Chromium: it plays the transcoded ladder, switches quality, resumes,
answers the keyboard, reports heartbeats, and explains the plan's limits."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from marquee.storage.db.tables import PlaybackSession
from tests.e2e.conftest import Viewer, World
from tests.e2e.journeys import choose_profile, log_in, screenshot_both_sizes

pytestmark = pytest.mark.slow
MakeViewer = Callable[..., Viewer]


def open_player(page: Page, viewer: Viewer, title_id: int, profile: str | None = None) -> None:
    log_in(page, viewer.email, viewer.password)
    choose_profile(page, profile or viewer.adult_profile)
    goto_player(page, f"/watch/{title_id}")


def goto_player(page: Page, path: str) -> None:
    """Open the player and wait until its deferred scripts have all run (``data-ready``)."""
    page.goto(path)
    expect(page.locator("#player")).to_have_attribute("data-ready", "true")


def wait_until_playing(page: Page, past_s: float = 1.0) -> None:
    # The first start of a worker loads hls.js and the first segments on a busy machine: give
    # it a minute, polling the condition (a passing run never waits that long).
    page.wait_for_function(
        "t => { const v = document.getElementById('video');"
        " return v && !v.paused && v.readyState >= 3 && v.currentTime > t; }",
        arg=past_s,
        timeout=60_000,
    )


def current_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('video').currentTime"))


def test_the_title_plays_and_heartbeats_carry_its_quality_figures(
    page: Page, server: World, make_viewer: MakeViewer, seed: Container
) -> None:
    viewer = make_viewer()
    log_in(page, viewer.email, viewer.password)
    choose_profile(page, viewer.adult_profile)
    page.goto(f"/title/{server.movie_id}")
    with page.expect_response(re.compile(r"/v1/playback$")) as started:
        page.get_by_role("link", name=re.compile("Play")).click()
    assert started.value.status == 201
    wait_until_playing(page)
    with page.expect_response(re.compile(r"/heartbeat$")) as beat:
        pass
    assert beat.value.ok
    sent = json.loads(beat.value.request.post_data or "{}")
    assert sent["bitrate_kbps"] > 0
    assert sent["paused"] is False
    expect(page.locator("#quality option")).to_have_text(
        [re.compile("^Auto"), re.compile("^360p"), re.compile("^240p")]
    )
    expect(page.locator("#subtitles option")).to_have_text(["Off", "English"])
    session_id = page.locator("#player").get_attribute("data-session-id")
    with seed.db.session() as s:
        row = s.scalar(select(PlaybackSession).where(PlaybackSession.id == session_id))
        assert row is not None
        assert row.heartbeats >= 1
        assert row.startup_ms is not None
        assert row.startup_ms > 0
    screenshot_both_sizes(page, "player")


def test_the_quality_menu_switches_level_and_loads_fragments_of_it(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    open_player(page, make_viewer(), server.movie_id)
    wait_until_playing(page)
    page.evaluate(
        "() => { window.loadedLevels = [];"
        " marqueePlayer.hls.on(Hls.Events.FRAG_LOADED,"
        " (e, d) => window.loadedLevels.push(d.frag.level)); }"
    )
    heights = page.evaluate("marqueePlayer.hls.levels.map(l => l.height)")
    playing = page.evaluate("marqueePlayer.hls.currentLevel")
    target = 1 - playing if playing in (0, 1) else heights.index(240)
    page.get_by_label("Quality").select_option(str(target))
    page.wait_for_function("t => marqueePlayer.hls.currentLevel === t", arg=target)
    page.wait_for_function("t => window.loadedLevels.includes(t)", arg=target)
    assert page.evaluate("marqueePlayer.hls.autoLevelEnabled") is False
    page.get_by_label("Quality").select_option("-1")
    assert page.evaluate("marqueePlayer.hls.autoLevelEnabled") is True


def test_reloading_resumes_where_the_heartbeat_left_off(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    open_player(page, make_viewer(), server.movie_id)
    wait_until_playing(page)
    page.evaluate("document.getElementById('video').currentTime = 9")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/heartbeat")
            and json.loads(r.request.post_data or "{}").get("position_s", 0) >= 9
        )
    ) as beat:
        pass
    kept = beat.value.json()["resume_position_s"]
    assert kept >= 9
    with page.expect_response(re.compile(r"/v1/playback$")) as restarted:
        page.reload()
    assert restarted.value.json()["resume_position_s"] >= 9
    wait_until_playing(page, past_s=0.0)
    assert current_time(page) >= 9


def test_keyboard_controls_play_seek_mute_caption_and_fullscreen(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    open_player(page, make_viewer(), server.movie_id)
    wait_until_playing(page)
    page.keyboard.press("k")
    page.wait_for_function("document.getElementById('video').paused")
    page.keyboard.press(" ")
    page.wait_for_function("!document.getElementById('video').paused")
    before = current_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.getElementById('video').currentTime >= {before + 9}")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('video').currentTime < {before + 5}")
    page.keyboard.press("m")
    assert page.evaluate("document.getElementById('video').muted") is True
    page.keyboard.press("c")
    page.wait_for_function("marqueePlayer.hls.subtitleTrack === 0")
    expect(page.get_by_label("Subtitles")).to_have_value("0")
    page.keyboard.press("c")
    page.wait_for_function("marqueePlayer.hls.subtitleTrack === -1")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement?.id === 'player'")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")


def test_a_control_with_keyboard_focus_stays_visible_while_the_controls_fade(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    open_player(page, make_viewer(), server.movie_id)
    wait_until_playing(page)
    for _ in range(10):  # Tab through the page until the play/pause button has focus
        if page.evaluate("document.activeElement?.id") == "play-toggle":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#play-toggle")).to_be_focused()
    # Left alone while playing, the controls fade (the class is the player's idle state)...
    expect(page.locator("#player")).to_have_class(re.compile(r"\bis-idle\b"), timeout=15_000)
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.player-top')).opacity === '0'"
    )
    # ...except the bar holding keyboard focus, so the focus ring stays where it can be seen.
    opacity = page.evaluate("getComputedStyle(document.getElementById('controls')).opacity")
    assert opacity == "1"


def _start_elsewhere(server: World, seed: Container, viewer: Viewer) -> str:
    """Take a stream from another device, through the API with a bearer token."""
    token = seed.tokens.issue(
        account_id=viewer.account_id, role=Role.VIEWER, session=secrets.token_hex(8)
    )
    profile = seed.accounts.list_profiles(account_id=viewer.account_id)[0]
    body = json.dumps({"profile_id": profile.id, "title_id": server.movie_id}).encode()
    request = urllib.request.Request(
        f"{server.base_url}/v1/playback",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.load(answer)["session_id"])


def test_a_stream_over_the_plan_limit_gets_a_friendly_message(
    page: Page, server: World, make_viewer: MakeViewer, seed: Container
) -> None:
    viewer = make_viewer(plan="basic")  # one screen
    _start_elsewhere(server, seed, viewer)
    open_player(page, viewer, server.movie_id)
    message = page.get_by_role("alert")
    expect(message.get_by_role("heading")).to_have_text("Too many screens at once")
    expect(message).to_contain_text("Basic plan allows 1")
    expect(message.get_by_role("button", name="Try again")).to_be_focused()
    screenshot_both_sizes(page, "player-too-many-streams")


def test_a_kids_profile_is_told_why_a_mature_title_will_not_play(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer()
    open_player(page, viewer, server.mature_id, profile=viewer.kids_profile)
    message = page.get_by_role("alert")
    expect(message.get_by_role("heading")).to_have_text("Not available on this profile")
    expect(message).to_contain_text("rated R")
    expect(message.get_by_role("link", name="Switch profile")).to_be_visible()


def test_no_subscription_is_explained_instead_of_an_error(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    open_player(page, make_viewer(plan=None), server.movie_id)
    heading = page.get_by_role("alert").get_by_role("heading")
    expect(heading).to_have_text("Your plan does not include this right now")


def test_a_plan_below_the_ladder_plays_its_cap_and_says_so(
    page: Page, server: World, make_viewer: MakeViewer, seed: Container
) -> None:
    code = f"phone{secrets.token_hex(3)}"
    seed.plans.create_plan(
        code=code, name="Phone", price_minor=299, max_resolution=240, max_streams=1
    )
    open_player(page, make_viewer(plan=code), server.movie_id)
    wait_until_playing(page)
    expect(page.locator("#cap-note")).to_have_text(re.compile(r"Phone plan plays up to 240p"))
    expect(page.locator("#quality option")).to_have_text([re.compile("^Auto"), re.compile("^240p")])


def test_near_the_end_of_an_episode_the_next_one_is_offered(
    page: Page, server: World, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer()
    log_in(page, viewer.email, viewer.password)
    choose_profile(page, viewer.adult_profile)
    goto_player(page, f"/watch/{server.series_id}?episode={server.episode_id}")
    wait_until_playing(page, past_s=0.5)
    prompt = page.get_by_role("status").filter(has_text="Next episode")
    expect(prompt).to_be_hidden()
    page.evaluate(
        "() => { const v = document.getElementById('video'); v.currentTime = v.duration - 2; }"
    )
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("S1:E2 · The Second Signal")
    screenshot_both_sizes(page, "player-next-episode")
    prompt.get_by_role("link", name="Play next episode").click()
    expect(page).to_have_url(re.compile(rf"episode={server.episode2_id}$"))
    wait_until_playing(page, past_s=0.5)
