"""Point-in-time training sets: features as they were just before each label, never after."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from marquee.features.catalog import FixedTitleCatalog
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures
from marquee.features.training import training_set
from tests.features_sample import GENRES, LANGUAGES, START, event

CATALOG = FixedTitleCatalog(GENRES, LANGUAGES)
TS = pa.timestamp("us", tz="UTC")


def labels(*rows: tuple[int, int, object, int]) -> pa.Table:
    return pa.table({
        "profile_id": pa.array([r[0] for r in rows], pa.int64()),
        "title_id": pa.array([r[1] for r in rows], pa.int64()),
        "ts": pa.array([r[2] for r in rows], TS),
        "played": pa.array([r[3] for r in rows], pa.int8()),
    })  # fmt: skip


def test_a_future_event_does_not_leak_into_an_earlier_label() -> None:
    past = [
        event("play_start", 1, START, title=1, country="ES", duration_s=100.0),
        event("complete", 1, START + timedelta(minutes=5), title=1, position_s=100.0,
              duration_s=100.0),
    ]  # fmt: skip
    label_time = START + timedelta(minutes=10)
    # Planted after the label: a horror play, a thumbs-down and a move to France.
    future = [
        event("play_start", 1, label_time + timedelta(seconds=1), title=7, country="FR"),
        event("thumbs_down", 1, label_time + timedelta(minutes=1), title=1),
        event("play_start", 2, label_time + timedelta(minutes=2), title=1, country="FR"),
    ]
    offline = OfflineFeatures(events_to_arrow(past + future), CATALOG.titles_table())
    later = label_time + timedelta(minutes=5)
    table = training_set(offline, labels((1, 1, label_time, 1), (1, 1, later, 0)))
    before, after = table.to_pylist()
    assert before["played"] == 1
    assert before["session_genres"] == ["drama"]
    assert before["recent_items"] == [1]
    assert before["country"] == "ES"
    assert before["item_thumbs_ratio"] is None
    assert before["item_plays_30d"] == 1
    assert before["item_popularity"] == 1  # ES
    assert dict(before["genre_affinity"]) == {"drama": 1.0}
    # The same features a little later do see the planted events: the test can fail.
    assert after["session_genres"] == ["drama", "horror"]
    assert after["recent_items"] == [7, 1]
    assert after["country"] == "FR"
    assert after["item_thumbs_ratio"] == 0.0
    assert after["item_plays_30d"] == 2


def test_a_labels_own_event_is_not_one_of_its_features() -> None:
    play = event("play_start", 1, START, title=3)
    offline = OfflineFeatures(events_to_arrow([play]), CATALOG.titles_table())
    row = training_set(offline, labels((1, 3, START, 1))).to_pylist()[0]
    assert row["plays_today"] == 0
    assert row["item_plays_30d"] == 0


def test_labels_without_a_timestamp_column_are_refused() -> None:
    offline = OfflineFeatures(events_to_arrow([event("skip", 1, START, title=1)]),
                              CATALOG.titles_table())  # fmt: skip
    with pytest.raises(ValueError, match="ts"):
        training_set(offline, pa.table({"profile_id": [1], "title_id": [1]}))
