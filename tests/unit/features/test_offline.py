"""Batch features over small hand-made histories, checked against values worked out by hand."""

from __future__ import annotations

from datetime import timedelta

from marquee.domain.events import Event
from marquee.features.catalog import FixedTitleCatalog
from marquee.features.frames import EVENTS_SCHEMA, events_to_arrow
from marquee.features.offline import OfflineFeatures, rows, spine_of
from tests.features_sample import GENRES, LANGUAGES, START, event

CATALOG = FixedTitleCatalog(GENRES, LANGUAGES)
DAY = timedelta(days=1)


def play(profile: int, title: int, at_days: float, watched: float, runtime: float = 3600.0,
         *, device: str = "tv", country: str = "ES") -> list[Event]:  # fmt: skip
    at = START + timedelta(days=at_days)
    extra = {"device": device, "country": country, "duration_s": runtime}
    end = "complete" if watched >= runtime else "stop"
    return [
        event("play_start", profile, at, title=title, position_s=0.0, **extra),
        event(end, profile, at + timedelta(seconds=watched), title=title, position_s=watched,
              **extra),
    ]  # fmt: skip


def features(events: list[Event], at_days: float) -> tuple[dict, dict]:  # type: ignore[type-arg]
    offline = OfflineFeatures(events_to_arrow(events), CATALOG.titles_table())
    at = START + timedelta(days=at_days)
    profile = rows(offline.profiles(spine_of("profile_id", [1], at)))[0]
    item = rows(offline.items(spine_of("title_id", [1], at)))[0]
    return profile, item


def test_events_to_arrow_matches_the_lake_schema() -> None:
    table = events_to_arrow(play(1, 1, 0, 60))
    assert table.schema == EVENTS_SCHEMA
    assert table.column("day").to_pylist()[0] == START.date()


def test_watch_hours_count_each_window_separately() -> None:
    events = play(1, 1, -100, 3600) + play(1, 2, -40, 1800) + play(1, 3, -1, 900)
    profile, _ = features(events, 0)
    assert profile["watch_hours_30d"] == 0.25
    assert profile["watch_hours_90d"] == 0.75
    assert profile["watch_hours_365d"] == 1.75
    assert profile["completion_rate_median"] == 0.5


def test_genre_affinity_weighs_interactions_and_normalises() -> None:
    events = play(1, 1, -2, 3600)  # drama: play 1 + complete 2
    events += [event("thumbs_down", 1, START - DAY, title=3)]  # action −3
    events += [event("rate", 1, START - DAY, title=5, value=5.0)]  # documentary +2
    profile, _ = features(events, 0)
    assert profile["genre_affinity"] == {"action": -0.375, "documentary": 0.25, "drama": 0.375}


def test_device_mix_languages_and_time_of_day() -> None:
    events = play(1, 1, -1, 60, device="tv") + play(1, 2, -2, 60, device="web")
    events += play(1, 2, -3, 60, device="web")
    profile, _ = features(events, 0)
    assert profile["device_mix"] == {"tv": 1 / 3, "web": 2 / 3}
    assert profile["languages"] == {"en": 0.6, "es": 0.4}
    assert profile["preferred_time_of_day"] == "evening"  # START is 21:40 UTC


def test_item_plays_completion_thumbs_and_country_popularity() -> None:
    events = play(1, 1, -0.5, 3600, country="ES") + play(2, 1, -1, 1800, country="US")
    events += play(3, 1, -10, 900, country="ES")
    events += [event("thumbs_up", 1, START - DAY, title=1)] * 1
    events += [event("thumbs_down", 2, START - DAY, title=1)]
    events += [event("thumbs_up", 3, START - DAY, title=1)]
    _, item = features(events, 0)
    assert item["plays_30d"] == 3
    assert item["completion_rate"] == (1.0 + 0.5 + 0.25) / 3
    assert item["thumbs_ratio"] == 2 / 3
    assert item["popularity"] == {"ES": 1, "US": 1}  # the 10-day-old play is outside 7 days
    assert item["trend"]["ES"] > item["trend"]["US"]  # half a day old against a whole day
    assert abs(item["trend"]["US"] - 0.5) < 1e-9


def test_a_resent_event_counts_once() -> None:
    events = play(1, 1, -1, 60)
    _, item = features(events + events[:1], 0)
    assert item["plays_30d"] == 1
