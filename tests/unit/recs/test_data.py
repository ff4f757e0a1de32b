"""Snapshots: stable id maps, the documented confidence mapping, decay and content hashes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marquee.recs.data import IdMap, Interactions, from_events, from_ratings
from marquee.recs.errors import InvalidDataError

DAY = 86_400


def events(rows: list[tuple[int, int, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "kind", "value", "timestamp"])


def confidence(snap: Interactions, user: int, item: int) -> float:
    return float(snap.matrix[snap.users.index([user])[0], snap.items.index([item])[0]])


def negative(snap: Interactions, user: int, item: int) -> bool:
    return bool(snap.negatives[snap.users.index([user])[0], snap.items.index([item])[0]] > 0)


def test_id_map_depends_only_on_the_set_of_ids() -> None:
    a, b = IdMap.from_values([30, 10, 20, 10]), IdMap.from_values([20, 30, 10])
    np.testing.assert_array_equal(a.raw, b.raw)
    np.testing.assert_array_equal(a.index([10, 30, 99]), [0, 2, -1])
    np.testing.assert_array_equal(a.to_raw([2, 0]), [30, 10])


def test_snapshot_id_is_the_same_for_the_same_data_in_any_order(ratings: pd.DataFrame) -> None:
    shuffled = ratings.sample(frac=1.0, random_state=1)
    assert from_ratings(ratings).snapshot_id == from_ratings(shuffled).snapshot_id
    changed = ratings.assign(rating=ratings["rating"].where(ratings.index != 0, 9.0))
    assert from_ratings(changed).snapshot_id != from_ratings(ratings).snapshot_id


def test_high_ratings_count_by_their_share_of_the_scale_and_low_ones_are_negatives() -> None:
    snap = from_events(
        events([(1, 10, "rate", 5, 0), (1, 11, "rate", 3, 0), (1, 12, "rate", 2, 0)])
    )
    assert confidence(snap, 1, 10) == pytest.approx(1.0)
    assert confidence(snap, 1, 11) == pytest.approx(0.6)
    assert confidence(snap, 1, 12) == 0.0
    assert negative(snap, 1, 12)


def test_completion_maps_to_confidence_and_early_abandon_is_a_negative() -> None:
    snap = from_events(
        events([(1, 10, "play", 0.95, 0), (1, 11, "play", 0.45, 0), (1, 12, "play", 0.05, 0)])
    )
    assert confidence(snap, 1, 10) == pytest.approx(1.0)
    assert confidence(snap, 1, 11) == pytest.approx(0.5)
    assert negative(snap, 1, 12)
    assert not negative(snap, 1, 10)


def test_an_abandon_does_not_cancel_a_finished_play_but_a_thumbs_down_does() -> None:
    snap = from_events(
        events(
            [
                (1, 10, "play", 0.05, 0),
                (1, 10, "play", 1.0, DAY),
                (1, 11, "thumbs_up", 1, 0),
                (1, 11, "thumbs_down", 1, DAY),
            ]
        )
    )
    assert confidence(snap, 1, 10) == pytest.approx(1.0)
    assert not negative(snap, 1, 10)
    assert confidence(snap, 1, 11) == 0.0
    assert negative(snap, 1, 11)


def test_time_decay_halves_confidence_every_half_life() -> None:
    snap = from_events(
        events([(1, 10, "thumbs_up", 1, 0), (1, 11, "thumbs_up", 1, 14 * DAY)]), half_life_days=14
    )
    assert confidence(snap, 1, 11) == pytest.approx(1.0)
    assert confidence(snap, 1, 10) == pytest.approx(0.5)


def test_unknown_event_kinds_are_rejected_by_name() -> None:
    with pytest.raises(InvalidDataError, match="unknown kinds skip"):
        from_events(events([(1, 10, "skip", 1, 0)]))


def test_duplicate_ratings_keep_the_highest_and_the_latest_time() -> None:
    frame = pd.DataFrame(
        {"user_id": [1, 1], "item_id": [5, 5], "rating": [2.0, 4.0], "timestamp": [10, 20]}
    )
    snap = from_ratings(frame)
    assert snap.nnz == 1
    assert snap.matrix.data[0] == 4.0
    assert snap.timestamps[0] == 20


def test_histories_of_unknown_users_are_empty(interactions: Interactions) -> None:
    rows = interactions.histories([0, -1, interactions.n_users + 3])
    assert rows.shape == (3, interactions.n_items)
    assert np.diff(rows.indptr).tolist()[1:] == [0, 0]
    assert rows[0].nnz == interactions.matrix[0].nnz
