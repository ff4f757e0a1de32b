"""Browser tests: a real ``uvicorn`` serving Marquee over embedded backends in a temporary data
directory, driven by Debian's Chromium through Playwright (no downloaded browser).

The world is seeded once per session: a viewer with a Standard subscription, an adult and a kids
profile, a title with a real transcoded HLS ladder and a mature title the kids profile may not
watch. Each test gets a fresh browser context (its own cookies).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from marquee.bootstrap import Container, bootstrap
from marquee.config import Settings
from marquee.domain.catalog import CreditRole, TitleKind
from marquee.domain.roles import Role
from marquee.services.catalog import CreditSpec
from marquee.services.profiles import ProfileDraft
from marquee.storage.db.migrate import upgrade
from tests.e2e import media
from tests.e2e.journeys import DESKTOP
from tests.services import services_required

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    # Tests cannot click before every play; real visitors get the big play button instead.
    "--autoplay-policy=no-user-gesture-required",
]
SECRET = "e2e-secret-" + "y" * 40
PASSWORD = "correct horse battery staple"
# Enough playable titles in a few genres for onboarding (three picks) and genre rows.
EXTRA_TITLES = [
    ("Colour Theory", 2024, ["Documentary"]),
    ("Night Signal", 2023, ["Thriller", "Science"]),
    ("Bars and Tones", 2022, ["Comedy"]),
    ("The Calibration", 2021, ["Science", "Comedy"]),
]


@dataclass(frozen=True)
class World:
    """What the seeded server holds; ids for the tests to navigate to."""

    base_url: str
    email: str
    password: str
    adult_profile: str
    kids_profile: str
    movie_id: int
    mature_id: int
    series_id: int
    episode_id: int
    episode2_id: int


@dataclass(frozen=True)
class Viewer:
    """An account of its own for one test, so streams and progress never leak between tests."""

    account_id: int
    email: str
    password: str
    adult_profile: str
    kids_profile: str


def need_chromium() -> None:
    if CHROMIUM.is_file():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if services_required():
        pytest.fail(f"{reason} and MARQUEE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    need_chromium()
    data_dir = tmp_path_factory.mktemp("e2e-data")
    return Settings(
        data_dir=data_dir,
        secret_key=SECRET,
        log_json=False,
        log_level="WARNING",
        playback={"heartbeat_interval_s": 2},
        media={"embedded_worker": False},
    )


@pytest.fixture(scope="session")
def seed(e2e_settings: Settings) -> Iterator[Container]:
    """The test process's own handle on the server's database, for seeding and checking."""
    container = bootstrap(e2e_settings)
    upgrade(container.db)
    yield container
    container.close()


def add_viewer(
    seed: Container, *, email: str, plan: str | None, role: Role = Role.VIEWER
) -> Viewer:
    """An account subscribed to ``plan`` (None: no subscription) with a kids profile."""
    account = seed.accounts.create_account(email=email, password=PASSWORD, role=role)
    if plan is not None:
        seed.billing.subscribe(
            account_id=account.id,
            plan_code=plan,
            payment_method="pm_card_ok",
            idempotency_key=f"e2e-{email}",
        )
    adult = seed.accounts.list_profiles(account_id=account.id)[0].name
    kids = ProfileDraft(name="Kim", is_kids=True)
    seed.accounts.create_profile(account_id=account.id, draft=kids)
    return Viewer(account.id, email, PASSWORD, adult, "Kim")


@pytest.fixture
def make_viewer(seed: Container, server: World) -> Callable[..., Viewer]:
    def make(plan: str | None = "standard", role: Role = Role.VIEWER) -> Viewer:
        email = f"{role.value}-{secrets.token_hex(4)}@example.com"
        return add_viewer(seed, email=email, plan=plan, role=role)

    return make


@pytest.fixture(scope="session")
def world(seed: Container, tmp_path_factory: pytest.TempPathFactory) -> World:
    first = add_viewer(seed, email="viewer@example.com", plan="standard")
    rendition = media.transcode_title(tmp_path_factory.mktemp("rendition"))
    movie = seed.catalog.create_title(
        kind=TitleKind.MOVIE,
        name="Test Pattern",
        description="Colour bars in motion and a steady tone: the film that proves the player.",
        maturity_rating="PG",
        year=2026,
        runtime_minutes=1,
        genres=["Documentary", "Science"],
        credits=[
            CreditSpec(role=CreditRole.ACTOR, person_name="Ada Lumen", character="The Signal"),
            CreditSpec(role=CreditRole.DIRECTOR, person_name="Sam Raster"),
        ],
    )
    mature = seed.catalog.create_title(
        kind=TitleKind.MOVIE,
        name="After Midnight",
        maturity_rating="R",
        year=2025,
        genres=["Thriller"],
    )
    extras = [
        seed.catalog.create_title(
            kind=TitleKind.MOVIE, name=name, maturity_rating="PG", year=year, genres=genres
        )
        for name, year, genres in EXTRA_TITLES
    ]
    for title in (movie, mature, *extras):
        media.publish(rendition, db=seed.db, blobs=seed.blobs, clock=seed.clock, title_id=title.id)
    series = seed.catalog.create_title(
        kind=TitleKind.SERIES, name="Pattern Stories", genres=["Science"]
    )
    seed.catalog.add_season(title_id=series.id, number=1)
    pilot = seed.catalog.add_episode(title_id=series.id, season_number=1, number=1, name="Pilot")
    second = seed.catalog.add_episode(
        title_id=series.id, season_number=1, number=2, name="The Second Signal"
    )
    for episode in (pilot, second):
        media.publish(
            rendition,
            db=seed.db,
            blobs=seed.blobs,
            clock=seed.clock,
            title_id=series.id,
            episode_id=episode.id,
        )
    return World(
        "",
        first.email,
        PASSWORD,
        first.adult_profile,
        first.kids_profile,
        movie.id,
        mature.id,
        series.id,
        pilot.id,
        second.id,
    )


@pytest.fixture(scope="session")
def server(e2e_settings: Settings, world: World) -> Iterator[World]:
    """``uvicorn`` in a subprocess over the seeded data directory; the world with its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "MARQUEE_DATA_DIR": str(e2e_settings.data_dir),
        "MARQUEE_SECRET_KEY": SECRET,
        "MARQUEE_LOG_JSON": "false",
        "MARQUEE_LOG_LEVEL": "WARNING",
        "MARQUEE_PLAYBACK__HEARTBEAT_INTERVAL_S": "2",
        "MARQUEE_PLAYBACK__LEASE_TTL_S": "10",
        # The producer journey uploads a video: the server's own worker transcodes it.
        "MARQUEE_MEDIA__EMBEDDED_WORKER": "true",
        "MARQUEE_MEDIA__X264_PRESET": "ultrafast",
        "MARQUEE_MEDIA__JOB_POLL_S": "0.5",
    }
    env.pop("MARQUEE_CONFIG", None)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "marquee.api.asgi:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield World(base_url, *[getattr(world, f) for f in _WORLD_FIELDS])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_WORLD_FIELDS = (
    "email",
    "password",
    "adult_profile",
    "kids_profile",
    "movie_id",
    "mature_id",
    "series_id",
    "episode_id",
    "episode2_id",
)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the server did not answer /healthz within 30 s", pytrace=False)


@pytest.fixture(scope="session")
def browser(server: World) -> Iterator[Browser]:
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: World) -> Iterator[Page]:
    """A page in a fresh context (no cookies) at desktop size."""
    context = browser.new_context(base_url=server.base_url, viewport=DESKTOP)
    # Generous: eight helpers share two cores here; a passing test never waits this long.
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    page.goto("about:blank")  # fires pagehide, so an open player stops its session
    context.close()
