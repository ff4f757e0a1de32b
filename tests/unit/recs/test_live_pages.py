"""Reused homepages: never served past their TTL, refreshed once in the background when due,
and a refresh that raced a ``forget`` is not stored."""

from __future__ import annotations

import threading

from marquee.recs.live_pages import REFRESH_AT, LivePages
from marquee.recs.served import HomePage

KEY = (1, 7)


def _page(version: str) -> HomePage:
    return HomePage(7, "control", "default", "precomputed", version, None, [], {})


def _pages() -> tuple[LivePages, list[float]]:
    clock = [100.0]
    return LivePages(monotonic=lambda: clock[0]), clock


def test_a_page_is_reused_until_its_ttl_and_never_after() -> None:
    pages, clock = _pages()
    pages.put(KEY, _page("v1"), 1.0)
    clock[0] += 0.99
    assert pages.get(KEY) is not None
    clock[0] += 0.02
    assert pages.get(KEY) is None
    assert pages.claim_refresh(KEY) is None  # an expired page is rebuilt on the request path


def test_a_due_page_is_refreshed_once_in_the_background_while_it_keeps_being_served() -> None:
    pages, clock = _pages()
    pages.put(KEY, _page("v1"), 1.0)
    assert pages.claim_refresh(KEY) is None  # not due yet
    clock[0] += REFRESH_AT + 0.01
    generation = pages.claim_refresh(KEY)
    assert generation is not None
    assert pages.claim_refresh(KEY) is None  # one refresh at a time
    started, release = threading.Event(), threading.Event()

    def build() -> None:
        started.set()
        release.wait(5)
        pages.put(KEY, _page("v2"), 1.0, generation=generation)

    pages.refresh(KEY, build)
    assert started.wait(5)
    page = pages.get(KEY)
    assert page is not None
    assert page.model_version == "v1"  # requests keep the current page meanwhile
    release.set()
    pages.close()  # waits for the refresh
    page = pages.get(KEY)
    assert page is not None
    assert page.model_version == "v2"


def test_a_refresh_that_raced_a_forget_is_dropped() -> None:
    pages, clock = _pages()
    pages.put(KEY, _page("v1"), 1.0)
    clock[0] += REFRESH_AT + 0.01
    generation = pages.claim_refresh(KEY)
    assert generation is not None
    pages.forget(KEY[1])  # e.g. a My List change while the refresh read the database
    pages.put(KEY, _page("stale"), 1.0, generation=generation)
    assert pages.get(KEY) is None


def test_a_failing_refresh_releases_its_claim() -> None:
    pages, clock = _pages()
    pages.put(KEY, _page("v1"), 2.0)
    clock[0] += 2.0 * REFRESH_AT
    assert pages.claim_refresh(KEY) is not None

    def broken() -> None:
        raise RuntimeError("database gone")

    pages.refresh(KEY, broken)
    pages.close()
    assert pages.claim_refresh(KEY) is not None  # the next reuse may try again
