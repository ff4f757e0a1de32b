"""The service reads the website's pages are built from: what a profile can play, where it
stopped, which episode follows, and what the plan's resolution cap keeps from a title."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.errors import NotFound
from marquee.services.playback_access import QualityCap
from tests.api.playback_support import (
    DURATION_S,
    Rendition,
    beat,
    movie,
    rendition,
    series,
    started,
    viewer,
)
from tests.conftest import MakeCaller


@pytest.fixture
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Rendition:
    return rendition(tmp_path_factory)


def test_playable_titles_are_ready_allowed_and_available_in_the_country_newest_first(
    container: Container, ladder: Rendition
) -> None:
    ready = movie(container, ladder)
    movie(container, None)  # nothing transcoded yet
    movie(container, ladder, rating="R")  # above the profile's maturity
    movie(container, ladder, countries=["FR"])  # not offered in the US
    here = movie(container, ladder, countries=["US"])
    show, _ = series(container, ladder, episodes=1)  # playable through its episode
    pg = container.catalog.get_title(title_id=ready).maturity_level
    titles, count = container.catalog.list_titles(
        playable=True, country="US", max_maturity_level=pg, sort="-created", limit=10
    )
    assert [t.id for t in titles] == [show, here, ready]
    assert count == 3
    everything, _ = container.catalog.list_titles(limit=10)
    assert len(everything) == 6  # without ``playable`` the filter is off


def test_the_titles_api_filters_playable_titles_too(
    client: TestClient, container: Container, ladder: Rendition
) -> None:
    ready = movie(container, ladder)
    movie(container, None)  # nothing transcoded yet
    response = client.get("/v1/titles", params={"playable": "true"})
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()["data"]] == [ready]
    assert response.json()["count"] == 1
    assert client.get("/v1/titles").json()["count"] == 2
    bad = client.get("/v1/titles", params={"playable": "maybe"})
    assert bad.status_code == 422
    assert "playable" in bad.text


def test_resume_position_is_kept_per_profile_and_private_to_its_account(
    client: TestClient, container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)
    ana = viewer(container, make_caller)
    progress = container.playback.progress
    account = ana.caller.account_id
    assert (
        progress.resume_position(account_id=account, profile_id=ana.profile_id, title_id=title)
        is None
    )
    session = started(client, ana, title)
    assert beat(client, ana, session["session_id"], position_s=0.5 * DURATION_S).status_code == 200
    kept = progress.resume_position(account_id=account, profile_id=ana.profile_id, title_id=title)
    assert kept == pytest.approx(0.5 * DURATION_S)
    other = viewer(container, make_caller)
    with pytest.raises(NotFound):
        progress.resume_position(
            account_id=other.caller.account_id, profile_id=ana.profile_id, title_id=title
        )


def test_the_episode_after_follows_the_series_order_and_ends_with_the_last(
    container: Container, ladder: Rendition
) -> None:
    show, episodes = series(container, ladder, episodes=3)
    progress = container.playback.progress
    following = progress.episode_after(title_id=show, episode_id=episodes[0])
    assert following is not None
    assert (following.id, following.season_number, following.number) == (episodes[1], 1, 2)
    assert progress.episode_after(title_id=show, episode_id=episodes[2]) is None


def test_the_quality_cap_names_the_plan_only_when_the_title_has_better_rungs(
    container: Container, make_caller: MakeCaller, ladder: Rendition
) -> None:
    title = movie(container, ladder)  # rungs up to 1080p
    untranscoded = movie(container, None)
    sessions = container.playback.sessions

    def cap(plan: str | None, title_id: int) -> QualityCap | None:
        account = viewer(container, make_caller, plan=plan).caller.account_id
        return sessions.quality_cap(account_id=account, title_id=title_id)

    assert cap("basic", title) == QualityCap(plan_name="Basic", max_height=720, best_height=1080)
    assert cap("standard", title) is None  # 1080p is within the plan
    assert cap("premium", title) is None
    assert cap(None, title) is None  # no plan: playback itself explains that
    assert cap("basic", untranscoded) is None
