"""Steps the browser tests share: logging in, choosing a profile, saving screenshots."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
# docs/screenshots is refreshed on request (MARQUEE_SCREENSHOTS=docs/screenshots, docs/web.md);
# a plain run writes to a temporary folder and leaves the working tree as it was.
SCREENSHOTS = Path(
    os.environ.get("MARQUEE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "marquee-screenshots"
)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Who's watching?")).to_be_visible()


def choose_profile(page: Page, name: str) -> None:
    """Pick the profile; it lands on home, or on onboarding while it has nothing to go on."""
    page.get_by_role("button", name=name).click()
    page.wait_for_url(re.compile(r"/(home|onboarding)$"))


def screenshot_both_sizes(page: Page, name: str) -> None:
    """``{SCREENSHOTS}/{name}-desktop.png`` and ``-phone.png`` of the page as it is now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        # Two animation frames: the layout at the new size has been computed and painted.
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"))
