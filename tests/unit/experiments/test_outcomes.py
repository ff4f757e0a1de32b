"""Lake events → per-profile outcomes of an experiment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from marquee.experiments.outcomes import to_frame, units

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _event(kind: str, profile: int, at: timedelta, **extra: object) -> dict[str, object]:
    return {
        "type": kind,
        "profile_id": profile,
        "client_time": T0 + at,
        "experiments": "{}",
        **extra,
    }


def _impression(profile: int, at: timedelta, variant: str, key: str = "exp") -> dict[str, object]:
    return _event("impression", profile, at, title_id=1, experiments=f'{{"{key}": "{variant}"}}')


def _play(
    profile: int, title: int, at: timedelta, position: float, kind: str = "heartbeat"
) -> dict[str, object]:
    return _event(
        kind, profile, at, title_id=title, session_id="s", position_s=position, duration_s=1000.0
    )


def test_units_count_what_each_exposed_profile_did_after_exposure() -> None:
    rows = [
        _play(1, 9, timedelta(minutes=-5), 500.0, "play_start"),  # before exposure: ignored
        _impression(1, timedelta(0), "control"),
        _impression(1, timedelta(seconds=1), "control"),
        _play(1, 10, timedelta(minutes=1), 0.0, "play_start"),
        _play(1, 10, timedelta(minutes=11), 600.0),
        _play(1, 11, timedelta(days=1), 100.0, "play_start"),
        _play(1, 11, timedelta(days=1, minutes=15), 950.0),
        _impression(2, timedelta(0), "mmr"),
        _impression(3, timedelta(0), "other", key="another-experiment"),
    ]
    frame = to_frame(pd.DataFrame(rows))
    out = units(frame, "exp", {10: ("drama",), 11: ("drama", "comedy")}).set_index("profile_id")
    assert sorted(out.index) == [1, 2]
    one = out.loc[1]
    assert (one["variant"], one["impressions"], one["plays"], one["completes"]) == (
        "control",
        2,
        2,
        1,
    )
    assert abs(one["minutes"] - (600 + 850) / 60) < 1e-9
    assert (one["days"], one["genres"]) == (2, 2)
    two = out.loc[2]
    assert (two["variant"], two["plays"], two["minutes"], two["days"]) == ("mmr", 0, 0.0, 1)


def test_no_exposures_give_no_units() -> None:
    frame = to_frame(pd.DataFrame([_play(1, 10, timedelta(0), 10.0)]))
    assert units(frame, "exp").empty


def test_a_row_impression_counts_every_title_it_showed() -> None:
    # The server logs one impression per row with its titles in ``context``; a client's own
    # impression (no titles) counts as its one title.
    rows = [
        _impression(1, timedelta(0), "control") | {"context": '{"titles": [1, 2, 3, 4]}'},
        _impression(1, timedelta(seconds=1), "control") | {"context": "{}"},
    ]
    out = units(to_frame(pd.DataFrame(rows)), "exp").set_index("profile_id")
    assert out.loc[1]["impressions"] == 5
