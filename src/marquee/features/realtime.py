"""The real-time features' online path: a per-profile state that events merge into, and the
evaluation of ``definitions.REALTIME`` over it. Pure: no I/O.

The state is built so that merging is idempotent and commutative: sessions are kept as
``[first, last]`` event-time intervals (adding a time already covered changes nothing; a late
time lands in, extends or bridges the sessions it belongs to), and the events the features count
are kept in a map keyed by ``event_id``. Replaying an event, or receiving events in any order,
gives the same state, which is what makes at-least-once delivery effectively-once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from marquee.features.definitions import (
    ABANDON_BELOW,
    ALLOWED_LATENESS,
    RECENT_ITEMS,
    SESSION_GAP,
    STATE_HORIZON,
    window_of,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000
_DAY_US = 86_400 * _US
GAP_US = int(SESSION_GAP.total_seconds()) * _US
LATE_US = int(ALLOWED_LATENESS.total_seconds()) * _US
HORIZON_US = int(STATE_HORIZON.total_seconds()) * _US
RECENT_US = int(window_of("recent_items").total_seconds()) * _US
ABANDON_US = int(window_of("abandoned_plays_1h").total_seconds()) * _US
# Only these event types feed a counted feature; every type feeds the sessions.
COUNTED = frozenset({"play_start", "complete", "stop", "skip"})

GenreLookup = Callable[[Iterable[int]], Mapping[int, tuple[str, ...]]]


def to_us(moment: datetime) -> int:
    """Exact microseconds since the epoch (floats would lose the last digit)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def from_us(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True)
class Observed:
    """The part of an event the real-time features use."""

    event_id: str
    profile_id: int
    time_us: int
    type: str
    title_id: int | None
    progress: float | None  # position ÷ runtime, when both are known


def observe(payload: Mapping[str, Any]) -> Observed:
    """An envelope as stored in the event log (already validated at ingestion) → ``Observed``."""
    item = payload.get("item")
    position, duration = payload.get("position_s"), payload.get("duration_s")
    progress = position / duration if position is not None and duration else None
    return Observed(
        event_id=payload["event_id"],
        profile_id=int(payload["profile_id"]),
        time_us=to_us(datetime.fromisoformat(payload["client_time"])),
        type=payload["type"],
        title_id=int(item["title_id"]) if item else None,
        progress=progress,
    )


# [time, type, title, progress]: a list, as JSON gives it back, so decoding copies nothing.
Record = list[Any]


@dataclass
class ProfileState:
    sessions: list[list[int]] = field(default_factory=list)  # sorted, > GAP apart
    records: dict[str, Record] = field(default_factory=dict)

    @property
    def newest(self) -> int | None:
        return self.sessions[-1][1] if self.sessions else None

    def add(self, event: Observed) -> bool:
        """Merge one event; False when it is later than the allowed lateness (ignored)."""
        newest = self.newest
        if newest is not None and event.time_us < newest - LATE_US:
            return False
        self._add_time(event.time_us)
        if event.type in COUNTED:
            self.records[event.event_id] = [
                event.time_us,
                event.type,
                event.title_id,
                event.progress,
            ]
        return True

    def _add_time(self, t: int) -> None:
        sessions = self.sessions
        if sessions and sessions[-1][0] <= t:
            # The common case, an event in or after the newest session: nothing to bridge.
            newest = sessions[-1]
            if t <= newest[1] + GAP_US:
                newest[1] = max(newest[1], t)
            else:
                sessions.append([t, t])
            return
        # Sessions that t touches: at most the one ending just before it and the one after.
        first = bisect_left([s[1] for s in sessions], t - GAP_US)
        last = first
        while last < len(sessions) and sessions[last][0] - GAP_US <= t:
            last += 1
        touched = sessions[first:last]
        start = min([t, *(s[0] for s in touched)])
        end = max([t, *(s[1] for s in touched)])
        sessions[first:last] = [[start, end]]

    def prune(self) -> None:
        """Forget what no feature can need any more (older than the state horizon)."""
        newest = self.newest
        if newest is None:
            return
        floor = newest - HORIZON_US
        if self.sessions[0][1] < floor:
            self.sessions = [s for s in self.sessions if s[1] >= floor]
        if any(r[0] < floor for r in self.records.values()):
            self.records = {k: r for k, r in self.records.items() if r[0] >= floor}

    def encode(self) -> bytes:
        return orjson.dumps({"s": self.sessions, "r": self.records})

    @classmethod
    def decode(cls, raw: bytes | None) -> ProfileState:
        if not raw:
            return cls()
        data = orjson.loads(raw)
        return cls(sessions=data["s"], records=data["r"])


def evaluate(
    state: ProfileState, genres_of: GenreLookup, as_of_us: int | None = None
) -> dict[str, Any]:
    """The real-time features as of ``as_of_us`` (default and minimum: the newest event)."""
    newest = state.newest
    if newest is None:
        return empty_values()
    as_of = newest if as_of_us is None else max(as_of_us, newest)
    start, end = state.sessions[-1]
    open_session = as_of - end <= GAP_US
    day_start = as_of - as_of % _DAY_US
    recent_from, abandon_from = as_of - RECENT_US, as_of - ABANDON_US
    plays_today = completes = abandoned = 0
    latest: dict[int, int] = {}  # title → newest play within the recent window
    session_titles: set[int] = set()
    # One pass over the records: this runs for every profile a batch touches.
    for time_us, kind, title, progress in state.records.values():
        if kind == "play_start":
            plays_today += time_us >= day_start
            if title is not None:
                if time_us > recent_from and time_us > latest.get(title, -1):
                    latest[title] = time_us
                if open_session and start <= time_us <= end:
                    session_titles.add(title)
        elif kind == "complete":
            completes += time_us >= day_start
        elif time_us > abandon_from and not (progress is not None and progress >= ABANDON_BELOW):
            abandoned += 1  # a stop or a skip
    return {
        "session_genres": _genres(session_titles, genres_of),
        "session_length_s": (end - start) / _US if open_session else 0.0,
        "recent_items": _recent(latest),
        "abandoned_plays_1h": abandoned,
        "plays_today": plays_today,
        "completion_rate_today": min(1.0, completes / plays_today) if plays_today else None,
        "as_of": from_us(as_of).isoformat(),
    }


def empty_values() -> dict[str, Any]:
    """What a profile with no recent activity has."""
    return {
        "session_genres": [],
        "session_length_s": 0.0,
        "recent_items": [],
        "abandoned_plays_1h": 0,
        "plays_today": 0,
        "completion_rate_today": None,
        "as_of": None,
    }


def _genres(titles: set[int], genres_of: GenreLookup) -> list[str]:
    if not titles:
        return []
    found = genres_of(titles)
    return sorted({g for title in titles for g in found.get(title, ())})


def _recent(latest: dict[int, int]) -> list[int]:
    ranked = sorted(latest.items(), key=lambda pair: (-pair[1], pair[0]))
    return [title for title, _ in ranked[:RECENT_ITEMS]]
