"""Precompute: versioned rows, a pointer flip, idempotent reruns, failures that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marquee.bootstrap import Container, bootstrap
from marquee.cli import app as cli
from marquee.clock import ManualClock
from marquee.config import load_settings
from marquee.recs.precompute import POINTER, Precompute, Summary, current, rows_key
from marquee.recs.rows import Row, decode_rows
from marquee.storage.db.tables import Account, Interaction
from tests.conftest import MakeCaller
from tests.home_support import World, build_world, precompute
from tests.recs_catalog import add_plays, add_profile


@pytest.fixture
def world(container: Container, make_caller: MakeCaller) -> World:
    return build_world(container, make_caller().account_id)


def test_rows_are_written_for_every_profile_and_segment_then_the_pointer_flips(
    container: Container, world: World
) -> None:
    summary = precompute(container)
    assert summary.flipped
    assert summary.profiles == summary.written == 10
    pointer = current(container.kv)
    assert pointer is not None
    assert pointer.version == summary.version
    for profile in [world.adult, world.kids, *world.others]:
        raw = container.kv.get(rows_key(summary.version, "p", profile))
        assert raw is not None
        rows, meta = decode_rows(raw)
        assert meta["version"] == summary.version
        assert rows[0].items
    assert container.kv.get(rows_key(summary.version, "s", "US|25-34")) is not None
    assert container.kv.get(rows_key(summary.version, "s", "*")) is not None
    assert container.kv.get(rows_key(summary.version, "i", world.titles[0])) is not None


def test_a_rerun_over_the_same_data_writes_nothing_and_keeps_the_version(
    container: Container, clock: ManualClock, world: World
) -> None:
    first = precompute(container)
    clock.advance(seconds=60)
    again = precompute(container)
    assert again.version == first.version
    assert again.written == 0
    assert not again.flipped


def test_a_failed_run_changes_nothing_and_the_next_run_resumes(
    container: Container, world: World
) -> None:
    first = precompute(container)
    before = container.kv.get(POINTER)
    # New data: the next run is a new version.
    late = add_profile(container, world.account_id, "Late")
    add_plays(container, late, world.titles[:5])
    with pytest.raises(RuntimeError, match="before the pointer flip"):
        precompute(container, fail_before_flip=True)
    assert container.kv.get(POINTER) == before
    served = container.home.home(account_id=world.account_id, profile_id=world.adult)
    assert served.model_version == first.version
    resumed = precompute(container)
    assert resumed.version != first.version
    assert resumed.written == 0, "profiles written by the failed run were computed again"
    assert resumed.flipped
    assert current(container.kv).version == resumed.version  # type: ignore[union-attr]


def test_the_cli_publishes_rows_and_reports_progress(data_dir: Path) -> None:
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        with container.db.session() as s:
            account = Account(email="cli@example.com", password_hash=None, role="viewer")
            s.add(account)
            s.flush()
            account_id = account.id
        build_world(container, account_id)
    finally:
        container.close()
    runner = CliRunner()
    first = runner.invoke(cli.app, ["--data-dir", str(data_dir), "batch", "precompute"])
    assert first.exit_code == 0, first.output
    assert "published: 10 profiles (10 written" in first.output
    again = runner.invoke(cli.app, ["--data-dir", str(data_dir), "batch", "precompute"])
    assert again.exit_code == 0, again.output
    assert "already current: 10 profiles (0 written" in again.output


def test_an_empty_platform_precomputes_and_serves_empty_rows(
    container: Container, make_caller: MakeCaller
) -> None:
    caller = make_caller()
    profile = add_profile(container, caller.account_id, "First")
    summary = precompute(container)
    assert summary.profiles == summary.written == 1
    page = container.home.home(account_id=caller.account_id, profile_id=profile)
    assert page.rows == []


def test_titles_a_profile_rated_are_not_recommended_again(
    container: Container, world: World
) -> None:
    rater = add_profile(container, world.account_id, "Rater")
    rated = world.titles[:6]
    with container.db.session() as s:
        for n, title_id in enumerate(rated):
            s.add(Interaction(profile_id=rater, title_id=title_id, kind="rate", value=5.0,
                              occurred_at=datetime(2026, 1, 2, 0, n, tzinfo=UTC),
                              source="test"))  # fmt: skip
    summary = precompute(container)
    raw = container.kv.get(rows_key(summary.version, "p", rater))
    assert raw is not None
    rows, _ = decode_rows(raw)
    recommending = [r for r in rows if r.key != "watch-again"]
    assert any(r.key.startswith("because") for r in recommending)  # the ratings were used
    shown = {p.title_id for r in recommending for p in r.items}
    assert not shown & set(rated), "a rated title came back as a recommendation"


def precompute_with_lake(container: Container) -> Summary:
    return Precompute(
        db=container.db, kv=container.kv, settings=container.settings.recs,
        executor=container.compute, now=container.clock, lake=container.lake,
    ).run()  # fmt: skip


def rows_of(container: Container, summary: Summary, profile: int) -> list[Row]:
    raw = container.kv.get(rows_key(summary.version, "p", profile))
    assert raw is not None
    return decode_rows(raw)[0]


def test_onboarding_picks_still_lead_a_new_profile_after_the_next_precompute(
    container: Container, world: World
) -> None:
    new = add_profile(container, world.account_id, "Newcomer")
    picks = world.titles[:3]
    viewer = container.home.viewer(account_id=world.account_id, profile_id=new)
    container.onboarding.save(viewer, title_ids=picks, genres=[])
    summary = precompute(container)
    rows = rows_of(container, summary, new)
    assert any(r.key.startswith("picked-") for r in rows)
    top = next(r for r in rows if r.key == "top-picks")
    assert not {p.title_id for p in top.items} & set(picks), "picks recommended back"
    page = container.home.home(account_id=world.account_id, profile_id=new)
    assert page.level == "precomputed"
    assert any(r.key.startswith("picked-") for r in page.rows)


def test_thumbs_and_ratings_given_on_the_platform_reach_precompute_through_the_lake(
    container: Container, world: World
) -> None:
    fan = add_profile(container, world.account_id, "Fan")
    judged = world.titles[:4]
    when = container.clock().isoformat()
    events = [
        {"event_id": f"verdict-{n}", "type": kind, "profile_id": fan, "session_id": "web",
         "item": {"title_id": t}, "client_time": when, **extra}
        for n, (t, kind, extra) in enumerate([
            (judged[0], "rate", {"value": 5.0}), (judged[1], "rate", {"value": 4.5}),
            (judged[2], "thumbs_up", {}), (judged[3], "thumbs_down", {}),
        ])
    ]  # fmt: skip
    result = container.events.ingest(events, account_id=world.account_id)
    assert not result.errors
    container.archiver.drain()
    summary = precompute_with_lake(container)
    rows = rows_of(container, summary, fan)
    because = [r for r in rows if r.key.startswith("because-")]
    assert because, "the ratings made on the platform were not used"
    shown = {p.title_id for r in rows if r.key != "watch-again" for p in r.items}
    assert not shown & {judged[0], judged[1], judged[3]}, "rated or disliked titles came back"
    # Without the lake those verdicts are invisible: the profile has no history at all.
    assert not any(
        r.key.startswith("because-") for r in rows_of(container, precompute(container), fan)
    )
