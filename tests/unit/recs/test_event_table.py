"""Snapshots from lake event tables: playback → completion, verdicts, lists, input-hash ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from marquee.domain.events import Event
from marquee.recs.data import Interactions, from_event_table
from marquee.recs.errors import InvalidDataError
from marquee.storage.lake.schema import envelopes_to_table

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
RUNTIME = 6000.0


def envelope(n: int, kind: str, profile: int, title: int, minutes: float = 0, **extra: Any) -> dict:
    event = Event.model_validate(
        {
            "event_id": f"evt-{n:06d}",
            "type": kind,
            "profile_id": profile,
            "session_id": extra.pop("session", f"s-{profile}-{title}"),
            "item": {"title_id": title},
            "client_time": T0 + timedelta(minutes=minutes),
            "server_time": T0 + timedelta(minutes=minutes, seconds=1),
            **extra,
        }
    )
    return json.loads(event.to_json())


def watched(n: int, profile: int, title: int, share: float, *, end: str = "stop") -> list[dict]:
    """A play_start, a heartbeat half way to ``share`` of the runtime, then stop/complete."""
    return [
        envelope(n, "play_start", profile, title, position_s=0, duration_s=RUNTIME),
        envelope(n + 1, "heartbeat", profile, title, 5, position_s=share * RUNTIME / 2,
                 duration_s=RUNTIME),
        envelope(n + 2, end, profile, title, 10, position_s=share * RUNTIME, duration_s=RUNTIME),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rows = [
        *watched(0, 1, 10, 0.95, end="complete"),
        *watched(10, 1, 11, 0.45),
        *watched(20, 1, 12, 0.02),  # an early abandon
        envelope(30, "rate", 1, 13, value=4.5),
        envelope(31, "rate", 1, 14, value=1.0),
        envelope(32, "thumbs_down", 1, 11, 20),
        envelope(33, "add_to_list", 2, 10),
        envelope(34, "impression", 2, 12, row="top", position=1),
        *watched(40, 2, 13, 0.5),
    ]
    return envelopes_to_table(rows)


def conf(snap: Interactions, user: int, item: int) -> float:
    return float(snap.matrix[snap.users.index([user])[0], snap.items.index([item])[0]])


def negative(snap: Interactions, user: int, item: int) -> bool:
    return bool(snap.negatives[snap.users.index([user])[0], snap.items.index([item])[0]] > 0)


def test_playback_sessions_become_completion_confidence(table: pa.Table) -> None:
    snap = from_event_table(table)
    assert conf(snap, 1, 10) == pytest.approx(1.0)
    assert conf(snap, 2, 13) == pytest.approx(0.5 / 0.9)
    assert negative(snap, 1, 12)  # 2 % watched


def test_ratings_thumbs_and_lists_follow_the_documented_mapping(table: pa.Table) -> None:
    snap = from_event_table(table)
    assert conf(snap, 1, 13) == pytest.approx(0.9)
    assert negative(snap, 1, 14)
    assert conf(snap, 1, 11) == 0.0  # watched 45 %, then thumbs down
    assert negative(snap, 1, 11)
    assert conf(snap, 2, 10) == pytest.approx(0.5)
    assert conf(snap, 2, 12) == 0.0  # an impression is no verdict
    assert not negative(snap, 2, 12)


def test_a_dataframe_of_the_same_columns_gives_the_same_snapshot(table: pa.Table) -> None:
    from_arrow, from_pandas = from_event_table(table), from_event_table(table.to_pandas())
    assert (from_arrow.matrix != from_pandas.matrix).nnz == 0
    assert from_arrow.snapshot_id == from_pandas.snapshot_id


def test_snapshot_id_hashes_the_input_events_in_any_order(table: pa.Table) -> None:
    frame = table.to_pandas()
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert from_event_table(shuffled).snapshot_id == from_event_table(frame).snapshot_id
    changed = frame.assign(value=frame["value"].where(frame["event_id"] != "evt-000030", 5.0))
    assert from_event_table(changed).snapshot_id != from_event_table(frame).snapshot_id
    decayed = from_event_table(frame, half_life_days=7)
    assert decayed.snapshot_id != from_event_table(frame).snapshot_id


def test_tables_without_the_needed_columns_or_verdicts_are_refused(table: pa.Table) -> None:
    with pytest.raises(InvalidDataError, match="missing columns title_id"):
        from_event_table(table.drop_columns(["title_id"]))
    impressions = pd.DataFrame(
        {"type": ["impression"], "profile_id": [1], "title_id": [3], "client_time": [T0]}
    )
    with pytest.raises(InvalidDataError, match="no playback, rating, thumb or list events"):
        from_event_table(impressions)
