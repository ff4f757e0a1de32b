"""The site's weight rules: no page loads more than 300 KB of our own CSS and JS, hls.js loads
only on the player and tus-js-client only in the studio, and every vendored library ships with
its licence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marquee.web.render import STATIC_DIR, TEMPLATES_DIR

BUDGET_BYTES = 300 * 1024
_STATIC = re.compile(r"""static\(['"]([^'"]+)['"]\)""")
_EXTENDS = re.compile(r"""{%\s*extends\s+['"]([^'"]+)['"]""")
_INCLUDES = re.compile(r"""{%\s*(?:include|from|import)\s+['"]([^'"]+)['"]""")
PAGES = sorted(p.name for p in TEMPLATES_DIR.glob("*.html") if not p.name.startswith("_"))


def _assets_of(template: str, seen: set[str] | None = None) -> set[str]:
    """Every static path a page references, through the templates it extends and includes."""
    seen = seen if seen is not None else set()
    if template in seen:
        return set()
    seen.add(template)
    text = (TEMPLATES_DIR / template).read_text()
    found = set(_STATIC.findall(text))
    for parent in _EXTENDS.findall(text) + _INCLUDES.findall(text):
        found |= _assets_of(parent, seen)
    return found


def _own(paths: set[str]) -> list[Path]:
    return [
        STATIC_DIR / p for p in paths if not p.startswith("vendor/") and p.endswith((".css", ".js"))
    ]


def test_every_page_is_checked() -> None:
    assert {"home.html", "title.html", "watch.html", "search.html", "studio_title.html"} <= set(
        PAGES
    )
    assert {"admin.html", "account.html", "plans.html", "onboarding.html"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_loads_under_300_kb_of_our_own_css_and_js(page: str) -> None:
    assets = _own(_assets_of(page))
    assert assets, f"{page} loads none of our stylesheets"
    assert sum(p.stat().st_size for p in assets) < BUDGET_BYTES


def test_only_the_player_loads_hls_js_and_only_the_studio_loads_tus() -> None:
    hls = sorted(p for p in PAGES if "vendor/hls/hls.min.js" in _assets_of(p))
    tus = sorted(p for p in PAGES if "vendor/tus/tus.min.js" in _assets_of(p))
    assert hls == ["watch.html"]
    assert tus == ["studio_title.html"]


def test_every_referenced_static_file_exists() -> None:
    for page in PAGES:
        for path in _assets_of(page):
            assert (STATIC_DIR / path).is_file(), f"{page} references a missing {path}"


def test_every_vendored_library_has_its_licence_and_version() -> None:
    vendor = STATIC_DIR / "vendor"
    libraries = [p for p in vendor.iterdir() if p.is_dir()]
    assert {p.name for p in libraries} >= {"hls", "htmx", "tus"}
    for library in libraries:
        assert (library / "LICENSE").stat().st_size > 100
    versions = (vendor / "VERSIONS").read_text()
    for name in ("hls.js ", "htmx.org ", "tus-js-client "):
        assert name in versions


_SCRIPT = re.compile(r"<script\b([^>]*)>")


def test_the_player_loads_every_part_deferred_core_first_and_start_last() -> None:
    # Deferred scripts run in document order: each part registers on the core's object, and
    # start.js must find every part in place before it starts playback.
    tags = _SCRIPT.findall((TEMPLATES_DIR / "watch.html").read_text())
    sources = [_STATIC.findall(tag)[0] for tag in tags]
    parts = [s for s in sources if s.startswith("js/player/")]
    assert all(" defer" in tag for tag in tags)
    assert sources[0] == "vendor/hls/hls.min.js"
    assert parts[0] == "js/player/core.js"
    assert parts[-1] == "js/player/start.js"
    on_disk = {f"js/player/{p.name}" for p in (STATIC_DIR / "js" / "player").glob("*.js")}
    assert sorted(parts) == sorted(on_disk)
