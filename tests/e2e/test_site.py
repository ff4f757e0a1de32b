"""Logging in, choosing a profile and finding a title, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import World
from tests.e2e.journeys import choose_profile, log_in, screenshot_both_sizes


def test_a_visitor_is_sent_to_log_in_and_lands_where_they_were_going(
    page: Page, server: World
) -> None:
    page.goto(f"/title/{server.movie_id}")
    expect(page).to_have_url(re.compile(r"/login\?next=/title/\d+$"))
    screenshot_both_sizes(page, "login")
    page.get_by_label("E-mail").fill(server.email)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=server.adult_profile).click()
    expect(page).to_have_url(re.compile(rf"/title/{server.movie_id}$"))
    expect(page.get_by_role("heading", name="Test Pattern")).to_be_visible()


def test_wrong_password_is_explained_next_to_the_form(page: Page, server: World) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(server.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("e-mail or password is wrong")
    expect(page.get_by_label("E-mail")).to_have_value(server.email)
    expect(page).to_have_url(re.compile(r"/login$"))


def test_profile_picker_shows_kids_profiles_differently(page: Page, server: World) -> None:
    log_in(page, server.email, server.password)
    kids = page.get_by_role("button", name=server.kids_profile)
    adult = page.get_by_role("button", name=server.adult_profile)
    expect(kids.get_by_text("Kids")).to_be_visible()
    expect(adult.get_by_text("Kids")).to_have_count(0)
    kids_shape = kids.locator(".avatar").evaluate("e => getComputedStyle(e).borderRadius")
    adult_shape = adult.locator(".avatar").evaluate("e => getComputedStyle(e).borderRadius")
    assert kids_shape != adult_shape
    screenshot_both_sizes(page, "profiles")


def test_browse_lists_only_what_the_profile_may_play(page: Page, server: World) -> None:
    log_in(page, server.email, server.password)
    choose_profile(page, server.adult_profile)
    page.goto("/browse")
    cards = page.locator(".poster-card")
    expect(cards.filter(has_text="Test Pattern")).to_have_count(1)
    expect(cards.filter(has_text="After Midnight")).to_have_count(1)
    screenshot_both_sizes(page, "browse")
    page.goto("/profiles")
    choose_profile(page, server.kids_profile)
    page.goto("/browse")
    expect(cards.filter(has_text="Test Pattern")).to_have_count(1)
    expect(cards.filter(has_text="After Midnight")).to_have_count(0)
    expect(page.locator("body.kids-mode")).to_have_count(1)


def test_the_title_page_offers_play_and_the_keyboard_reaches_it(page: Page, server: World) -> None:
    log_in(page, server.email, server.password)
    choose_profile(page, server.adult_profile)
    page.goto("/browse")
    page.get_by_role("link", name=re.compile("Test Pattern")).click()
    expect(page.get_by_text("the film that proves the player")).to_be_visible()
    play = page.get_by_role("link", name=re.compile(r"^\W*(Play|Resume)"))
    play.focus()
    expect(play).to_be_focused()
    outline = play.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    screenshot_both_sizes(page, "title")


def test_sign_up_logs_in_and_log_out_ends_the_session(page: Page, server: World) -> None:
    page.goto("/signup")
    page.get_by_label("E-mail").fill("new-viewer@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-error")).to_be_visible()
    page.get_by_label("Password").fill("a much longer passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Choose the plan")).to_be_visible()
    access = next(c for c in page.context.cookies() if c["name"] == "mq_access")
    assert access["httpOnly"]
    assert access["sameSite"] == "Lax"
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    # The old access token is revoked, not merely forgotten by this browser.
    page.context.add_cookies([access])  # type: ignore[list-item]
    page.goto("/profiles")
    expect(page).to_have_url(re.compile(r"/login\?next=/profiles$"))


def test_a_series_page_plays_its_first_episode(page: Page, server: World) -> None:
    log_in(page, server.email, server.password)
    choose_profile(page, server.adult_profile)
    page.goto(f"/title/{server.series_id}")
    play = page.get_by_role("link", name=re.compile(r"Play S1:E1"))
    expect(play).to_have_attribute("href", f"/watch/{server.series_id}?episode={server.episode_id}")
    expect(page.get_by_role("link", name=re.compile("Pilot"))).to_be_visible()


def test_ids_beyond_any_database_integer_are_a_friendly_error_page(
    page: Page, server: World
) -> None:
    log_in(page, server.email, server.password)
    choose_profile(page, server.adult_profile)
    huge = "9" * 25
    for path in (f"/title/{huge}", f"/watch/{huge}", f"/watch/{server.series_id}?episode={huge}"):
        response = page.goto(path)
        assert response is not None
        assert 400 <= response.status < 500, (path, response.status)
        expect(page.locator("body")).not_to_contain_text("Traceback")
