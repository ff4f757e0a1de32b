"""Admins define an A/B experiment in the browser, start it, see it listed as running, read
its results (a chart per metric with confidence intervals, guardrails) and stop it."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from marquee.storage.lake import envelopes_to_table
from tests.e2e.conftest import Viewer, World
from tests.e2e.journeys import choose_profile, log_in, screenshot_both_sizes

pytestmark = pytest.mark.slow
MakeViewer = Callable[..., Viewer]


def _simulate_traffic(seed: Container, key: str, *, movie_id: int, profiles: int = 80) -> None:
    rng = random.Random(5)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n in range(profiles):
        profile, variant = 900_000 + n, ("control", "treatment")[n % 2]
        base = {"profile_id": profile, "session_id": f"s{n}", "item": {"title_id": movie_id}}
        for k in range(10):
            rows.append({**base, "type": "impression", "row": "top-picks", "position": k,
                         "experiments": {key: variant}})  # fmt: skip
        if rng.random() < (0.3 if variant == "control" else 0.6):
            watched = rng.uniform(60, 600)
            rows.append({**base, "type": "play_start", "position_s": 0.0, "duration_s": 600.0})
            rows.append({**base, "type": "stop", "position_s": watched, "duration_s": 600.0})
    for row in rows:
        row.update(event_id=uuid.uuid4().hex, client_time=now, server_time=now)
    seed.lake.append(envelopes_to_table(rows))


def test_an_admin_creates_starts_and_reads_an_experiment(
    page: Page, server: World, seed: Container, make_viewer: MakeViewer
) -> None:
    admin = make_viewer(role=Role.ADMIN)
    log_in(page, admin.email, admin.password)
    choose_profile(page, admin.adult_profile)
    page.goto("/admin")
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Experiments").click()
    expect(page.get_by_role("heading", name="Experiments", exact=True)).to_be_visible()

    # Bad input: a key with spaces is explained next to the field, nothing is created.
    page.get_by_label("Key").fill("not a key")
    page.get_by_role("button", name="Create experiment").click()
    expect(page.locator("#exp-key-error")).to_contain_text("pattern")

    page.get_by_label("Key").fill("e2e-diversity")
    page.get_by_label("Description").fill("MMR diversity against the default rules")
    page.get_by_label("Variant 2 configuration").select_option("diverse")
    page.get_by_role("button", name="Create experiment").click()
    expect(page.get_by_role("status")).to_contain_text("e2e-diversity created")
    row = page.get_by_role("row").filter(has_text="e2e-diversity")
    expect(row).to_contain_text("draft")
    row.get_by_role("button", name="Start e2e-diversity").click()
    expect(page.get_by_role("status")).to_contain_text("started")
    expect(page.get_by_role("row").filter(has_text="e2e-diversity")).to_contain_text("running")
    screenshot_both_sizes(page, "admin-experiments")

    # Viewers' impressions and plays under the experiment, as the archiver leaves them in the lake.
    _simulate_traffic(seed, "e2e-diversity", movie_id=server.movie_id)
    page.goto("/admin/experiments")
    page.get_by_role("link", name="Results of e2e-diversity").click()
    expect(page.get_by_role("heading", name=re.compile("e2e-diversity"))).to_be_visible()
    expect(page.locator("figure.chart svg")).to_have_count(5)
    expect(page.locator(".chart-interval").first).to_be_attached()
    expect(page.locator("#kpi-exposed")).to_have_text("80")
    expect(page.locator("#comparisons")).to_contain_text("Plays per impression")
    expect(page.locator("#guardrails")).to_contain_text("p99 latency")
    screenshot_both_sizes(page, "admin-experiment")

    # Stopped, so the rest of the session's journeys see the default homepage again.
    page.goto("/admin/experiments")
    page.get_by_role("button", name="Stop e2e-diversity").click()
    expect(page.get_by_role("row").filter(has_text="e2e-diversity")).to_contain_text("stopped")
