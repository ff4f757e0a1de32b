"""A new subscriber's whole journey in a real browser: sign up, subscribe, pick a profile,
onboard, land on personal rows, rate and save a title, play, resume, search, My List, account."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import World
from tests.e2e.journeys import screenshot_both_sizes
from tests.e2e.test_player import wait_until_playing

pytestmark = pytest.mark.slow


def sign_up_and_subscribe(page: Page) -> None:
    page.goto("/signup")
    page.get_by_label("E-mail").fill(f"journey-{secrets.token_hex(4)}@example.com")
    page.get_by_label("Password").fill("a long and happy passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name=re.compile("Choose the plan"))).to_be_visible()
    expect(page.locator("#plan-standard")).to_be_attached()
    screenshot_both_sizes(page, "plans")
    page.locator("#plan-standard").check()
    page.get_by_label("Payment method").select_option("pm_card_ok")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Who's watching?")).to_be_visible()


def onboard(page: Page) -> None:
    page.locator(".profile-tile").first.click()
    expect(page).to_have_url(re.compile(r"/onboarding$"))
    page.locator("label.pick-card", has_text="Test Pattern").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Pick at least 3 titles")
    for name in ("Night Signal", "Colour Theory"):
        page.locator("label.pick-card", has_text=name).click()
    expect(page.locator("#pick-count")).to_have_text("3")
    screenshot_both_sizes(page, "onboarding")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/home$"))


def test_a_new_subscriber_signs_up_onboards_watches_searches_and_keeps_a_list(
    page: Page, server: World
) -> None:
    sign_up_and_subscribe(page)
    onboard(page)
    save_from_a_row(page, server)
    rate_and_play(page, server)
    continue_and_resume(page, server)
    search_as_you_type(page)
    remove_from_my_list(page, server)


def save_from_a_row(page: Page, server: World) -> None:
    # Personal rows straight away, each saying why it is there.
    picked = page.locator(
        "section.row", has=page.get_by_role("heading", name=re.compile("Because you picked"))
    )
    expect(picked.first).to_be_visible()
    expect(picked.first.locator(".row-why")).to_contain_text("Because you picked")
    expect(page.locator(".hero h1")).not_to_be_empty()

    # My List from a row, in place: the page does not change, the button does.
    tile = page.locator(
        "section.row .tile", has=page.locator(f'a[data-title-id="{server.movie_id}"]')
    )
    add = tile.first.get_by_role("button", name="Add to My List")
    add.click()
    expect(tile.first.get_by_role("button", name="Remove from My List")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page).to_have_url(re.compile(r"/home$"))


def rate_and_play(page: Page, server: World) -> None:
    # The title page: cast, thumbs, stars, More Like This, then play.
    page.goto(f"/title/{server.movie_id}")
    expect(page.get_by_text("Ada Lumen")).to_be_visible()
    page.get_by_role("button", name="I like this").click()
    expect(page.get_by_role("status")).to_contain_text("more like this")
    page.get_by_role("button", name="4 stars").click()
    expect(page.get_by_role("status")).to_contain_text("4 out of 5")
    expect(page.get_by_role("heading", name="More Like This")).to_be_visible()
    expect(page.locator(".title-actions .mylist-button")).to_have_attribute("aria-pressed", "true")
    screenshot_both_sizes(page, "title-details")

    with page.expect_response(re.compile(r"/v1/playback$")):
        page.get_by_role("link", name=re.compile(r"^\W*Play")).click()
    wait_until_playing(page, past_s=3.0)
    with page.expect_response(re.compile(r"/heartbeat$")) as beat:
        pass
    assert beat.value.ok


def continue_and_resume(page: Page, server: World) -> None:
    # Home now leads with Continue Watching and how far we got.
    page.goto("/home")
    watching = page.locator('section.row[data-row="continue-watching"]')
    expect(watching).to_be_visible()
    bar = watching.locator('[role="progressbar"]').first
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^[1-9]\d*$"))
    screenshot_both_sizes(page, "home")

    # Resume from the title page picks up where the heartbeat left off.
    page.goto(f"/title/{server.movie_id}")
    resume = page.get_by_role("link", name=re.compile(r"Resume"))
    expect(resume).to_be_visible()
    resume.click()
    page.wait_for_function(
        "() => { const v = document.getElementById('video'); return v && v.currentTime >= 2; }"
    )


def search_as_you_type(page: Page) -> None:
    # Search as you type, with a typo, then a filter; a too-long query is explained inline.
    page.goto("/search")
    page.get_by_label("Titles, people, genres").press_sequentially("patern", delay=40)
    results = page.locator("#search-results .poster-card")
    expect(results.filter(has_text="Test Pattern")).to_have_count(1)
    expect(results.filter(has_text="Pattern Stories")).to_have_count(1)
    screenshot_both_sizes(page, "search")
    page.get_by_label("Type").select_option("series")
    expect(results.filter(has_text="Test Pattern")).to_have_count(0)
    expect(results.filter(has_text="Pattern Stories")).to_have_count(1)
    page.get_by_label("Titles, people, genres").fill("x" * 250)
    expect(page.get_by_role("alert")).to_contain_text("Keep it under 200 characters")


def remove_from_my_list(page: Page, server: World) -> None:
    # My List: what was added is there; removing it works in place.
    page.goto("/my-list")
    saved = page.locator(".tile", has=page.locator(f'a[data-title-id="{server.movie_id}"]'))
    expect(saved).to_have_count(1)
    screenshot_both_sizes(page, "my-list")
    saved.get_by_role("button", name="Remove from My List").click()
    expect(saved.get_by_role("button", name="Add to My List")).to_be_visible()
    page.reload()
    expect(saved).to_have_count(0)


def test_the_account_page_shows_the_plan_payments_and_streams_and_changes_the_plan(
    page: Page, server: World
) -> None:
    sign_up_and_subscribe(page)
    page.goto("/account")
    expect(page.locator(".plan-now")).to_contain_text("Standard")
    expect(page.locator("#next-charge")).to_contain_text("Next charge")
    expect(page.locator(".data-table")).to_contain_text("Free trial")
    expect(page.get_by_text("Nobody is watching")).to_be_visible()
    page.get_by_label("Change plan").select_option("premium")
    page.get_by_role("button", name="Change plan").click()
    expect(page.get_by_role("status")).to_contain_text("plan change is saved")
    expect(page.locator(".plan-now")).to_contain_text("Premium")
    screenshot_both_sizes(page, "account")
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_role("status")).to_contain_text("canceled")
    expect(page.locator(".plan-now .status")).to_have_text("canceled")
