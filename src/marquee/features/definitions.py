"""Every feature, declared once: entity, source event types, aggregation, window, TTL.

The stream processor (``realtime.py``), the batch computation (``offline.py``), the online lookup
(``online.py``) and the point-in-time join (``training.py``) all read their parameters from here,
so serving and training cannot disagree about what a feature means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class Entity(StrEnum):
    PROFILE = "profile"
    ITEM = "item"
    ITEM_COUNTRY = "item×country"


class Aggregation(StrEnum):
    DISTINCT_GENRES = "distinct genres of the titles played"
    SPAN = "last event time − first event time"
    LAST_DISTINCT = "most recent distinct titles"
    COUNT = "count"
    RATIO = "ratio of counts"
    GENRE_WEIGHTS = "signed interaction weights per genre, L1-normalised"
    MEDIAN = "median"
    SUM = "sum"
    MODE = "most frequent value"
    SHARE = "share of each value"
    DECAYED_COUNT = "exponentially time-decayed count"


class WindowKind(StrEnum):
    SLIDING = "sliding"  # (as_of − length, as_of]
    SESSION = "session"  # the session of the latest event, if still open at as_of
    DAY = "day"  # [00:00 UTC of as_of's day, as_of]


@dataclass(frozen=True)
class Window:
    kind: WindowKind
    length: timedelta = timedelta(0)

    def describe(self) -> str:
        if self.kind is WindowKind.SLIDING:
            return _human(self.length)
        if self.kind is WindowKind.SESSION:
            return f"current session ({_human(SESSION_GAP)} gap)"
        return "today (UTC)"


@dataclass(frozen=True)
class Feature:
    """One feature. ``online`` and ``offline`` say which paths compute it."""

    name: str
    entity: Entity
    sources: tuple[str, ...]
    aggregation: Aggregation
    window: Window
    ttl: timedelta
    online: bool
    offline: bool
    description: str
    params: dict[str, float] = field(default_factory=dict)


def _human(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


# Event-time semantics shared by both paths.
SESSION_GAP = timedelta(minutes=30)
# Events later than this behind a profile's newest event are dropped by the stream processor
# (the batch path still counts them); the online state keeps twice as much history.
ALLOWED_LATENESS = timedelta(hours=24)
STATE_HORIZON = 2 * ALLOWED_LATENESS
ABANDON_BELOW = 0.9  # a stop or skip before 90 % of the runtime is an abandoned play
RECENT_ITEMS = 20
TREND_HALF_LIFE = timedelta(hours=24)

PLAYBACK = ("play_start", "heartbeat", "pause", "resume", "seek", "complete", "stop")
# Signed weights of an interaction towards the genres of its title (rate: value − 3).
GENRE_WEIGHTS: dict[str, float] = {
    "play_start": 1.0,
    "complete": 2.0,
    "thumbs_up": 3.0,
    "thumbs_down": -3.0,
    "add_to_list": 1.0,
    "remove_from_list": -1.0,
}
TIME_OF_DAY = (("night", 0), ("morning", 6), ("afternoon", 12), ("evening", 18))

_RT_TTL = timedelta(days=2)
_BATCH_TTL = timedelta(days=7)
_ALL = ("*",)
_H1 = Window(WindowKind.SLIDING, timedelta(hours=1))
_D1 = Window(WindowKind.SLIDING, timedelta(days=1))
_D7 = Window(WindowKind.SLIDING, timedelta(days=7))
_D30 = Window(WindowKind.SLIDING, timedelta(days=30))
_D90 = Window(WindowKind.SLIDING, timedelta(days=90))
_D365 = Window(WindowKind.SLIDING, timedelta(days=365))
_SESSION = Window(WindowKind.SESSION)
_TODAY = Window(WindowKind.DAY)

REALTIME: tuple[Feature, ...] = (
    Feature("session_genres", Entity.PROFILE, ("play_start",), Aggregation.DISTINCT_GENRES,
            _SESSION, _RT_TTL, True, True, "genres of the titles started this session, sorted"),
    Feature("session_length_s", Entity.PROFILE, _ALL, Aggregation.SPAN, _SESSION, _RT_TTL,
            True, True, "seconds from the session's first event to its latest; 0 if closed"),
    Feature("recent_items", Entity.PROFILE, ("play_start",), Aggregation.LAST_DISTINCT, _D1,
            _RT_TTL, True, True, "titles started, newest first",
            {"n": RECENT_ITEMS}),
    Feature("abandoned_plays_1h", Entity.PROFILE, ("stop", "skip"), Aggregation.COUNT, _H1,
            _RT_TTL, True, True, "stops and skips before 90 % of the runtime",
            {"below": ABANDON_BELOW}),
    Feature("plays_today", Entity.PROFILE, ("play_start",), Aggregation.COUNT, _TODAY, _RT_TTL,
            True, True, "plays started today"),
    Feature("completion_rate_today", Entity.PROFILE, ("complete", "play_start"),
            Aggregation.RATIO, _TODAY, _RT_TTL, True, True,
            "completions ÷ plays started today, at most 1; null without plays"),
)  # fmt: skip

PROFILE_BATCH: tuple[Feature, ...] = (
    Feature("genre_affinity", Entity.PROFILE, (*tuple(GENRE_WEIGHTS), "rate"),
            Aggregation.GENRE_WEIGHTS, _D365, _BATCH_TTL, False, True,
            "genre → share of signed interaction weight (rate counts value − 3)"),
    Feature("completion_rate_median", Entity.PROFILE, PLAYBACK, Aggregation.MEDIAN, _D365,
            _BATCH_TTL, False, True, "median furthest position ÷ runtime per play"),
    Feature("watch_hours_30d", Entity.PROFILE, PLAYBACK, Aggregation.SUM, _D30, _BATCH_TTL,
            False, True, "hours watched (furthest − first position per play)"),
    Feature("watch_hours_90d", Entity.PROFILE, PLAYBACK, Aggregation.SUM, _D90, _BATCH_TTL,
            False, True, "hours watched"),
    Feature("watch_hours_365d", Entity.PROFILE, PLAYBACK, Aggregation.SUM, _D365, _BATCH_TTL,
            False, True, "hours watched"),
    Feature("preferred_time_of_day", Entity.PROFILE, ("play_start",), Aggregation.MODE, _D365,
            _BATCH_TTL, False, True, "night | morning | afternoon | evening (UTC hours)"),
    Feature("languages", Entity.PROFILE, ("play_start",), Aggregation.SHARE, _D365, _BATCH_TTL,
            False, True, "language → share of plays (a title counts for each language)"),
    Feature("device_mix", Entity.PROFILE, ("play_start",), Aggregation.SHARE, _D90, _BATCH_TTL,
            False, True, "device → share of plays"),
)  # fmt: skip

ITEM_BATCH: tuple[Feature, ...] = (
    Feature("plays_30d", Entity.ITEM, ("play_start",), Aggregation.COUNT, _D30, _BATCH_TTL,
            False, True, "plays started"),
    Feature("completion_rate", Entity.ITEM, PLAYBACK, Aggregation.RATIO, _D90, _BATCH_TTL,
            False, True, "mean furthest position ÷ runtime per play"),
    Feature("thumbs_ratio", Entity.ITEM, ("thumbs_up", "thumbs_down"), Aggregation.RATIO,
            _D365, _BATCH_TTL, False, True, "thumbs up ÷ all thumbs; null without thumbs"),
    Feature("popularity", Entity.ITEM_COUNTRY, ("play_start",), Aggregation.COUNT, _D7,
            _BATCH_TTL, False, True, "country → plays started"),
    Feature("trend", Entity.ITEM_COUNTRY, ("play_start",), Aggregation.DECAYED_COUNT, _D7,
            _BATCH_TTL, False, True, "country → plays weighted 2^(−age ÷ 24 h)",
            {"half_life_h": TREND_HALF_LIFE.total_seconds() / 3600}),
)  # fmt: skip

ALL_FEATURES: tuple[Feature, ...] = REALTIME + PROFILE_BATCH + ITEM_BATCH


def feature(name: str) -> Feature:
    """The definition named ``name``; KeyError for an unknown one."""
    for candidate in ALL_FEATURES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def window_of(name: str) -> timedelta:
    """The length of a sliding window, for code that must agree with the definition."""
    return feature(name).window.length


def ttl_seconds(features: tuple[Feature, ...]) -> float:
    """One TTL for a group of features stored together: the longest of them."""
    return max(f.ttl for f in features).total_seconds()
