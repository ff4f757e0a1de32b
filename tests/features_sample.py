"""Seeded viewing histories for the feature tests: sessions of plays with heartbeats, stops,
skips, completions, thumbs and ratings, spread over days, with gaps around the session cut-off."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from marquee.domain.events import Event, EventType, ItemRef

GENRES: dict[int, tuple[str, ...]] = {
    1: ("drama",),
    2: ("comedy", "drama"),
    3: ("action",),
    4: ("action", "thriller"),
    5: ("documentary",),
    6: ("animation", "family"),
    7: ("horror",),
    8: (),
}
LANGUAGES: dict[int, tuple[str, ...]] = {1: ("en",), 2: ("en", "es"), 3: ("fr",), 5: ("de",)}
START = datetime(2026, 11, 10, 21, 40, tzinfo=UTC)


def event(
    kind: str,
    profile_id: int,
    at: datetime,
    *,
    title: int | None = None,
    session: str = "s-1",
    **payload: Any,
) -> Event:
    return Event(
        event_id=str(uuid.uuid4()),
        type=EventType(kind),
        profile_id=profile_id,
        session_id=session,
        item=ItemRef(title_id=title) if title is not None else None,
        client_time=at,
        server_time=at + timedelta(milliseconds=200),
        **payload,
    )


def _play(rng: random.Random, profile: int, at: datetime, session: str) -> list[Event]:
    title = rng.choice(list(GENRES))
    runtime = rng.choice([1200.0, 2400.0, 5400.0])
    extra: dict[str, Any] = {"device": rng.choice(["tv", "web", "phone"])}
    extra["country"] = rng.choice(["ES", "US", "FR"])
    out = [event("play_start", profile, at, title=title, session=session, position_s=0.0,
                 duration_s=runtime, **extra)]  # fmt: skip
    watched = rng.choice([0.05, 0.5, 0.95, 1.0]) * runtime
    for k in range(1, rng.randint(1, 4)):
        out.append(event("heartbeat", profile, at + timedelta(seconds=k * 300), title=title,
                         session=session, position_s=min(watched, k * 300.0),
                         duration_s=runtime, **extra))  # fmt: skip
    end = at + timedelta(seconds=watched / 4)
    if watched >= runtime:
        out.append(event("complete", profile, end, title=title, session=session,
                         position_s=runtime, duration_s=runtime, **extra))  # fmt: skip
    else:
        kind, known = rng.choice(["stop", "skip"]), rng.choice([runtime, 0.0])
        out.append(event(kind, profile, end, title=title, session=session,
                         position_s=watched, duration_s=known, **extra))  # fmt: skip
    reaction = rng.random()
    if reaction < 0.2:
        out.append(event("thumbs_up", profile, end + timedelta(seconds=5), title=title))
    elif reaction < 0.3:
        out.append(event("thumbs_down", profile, end + timedelta(seconds=5), title=title))
    elif reaction < 0.4:
        out.append(event("rate", profile, end + timedelta(seconds=5), title=title,
                         value=rng.choice([1.0, 3.5, 5.0])))  # fmt: skip
    return out


def history(seed: int, profiles: int = 3, sessions: int = 8) -> list[Event]:
    """Events of ``profiles`` profiles, ``sessions`` sessions each, some gaps near 30 min."""
    rng = random.Random(seed)
    events: list[Event] = []
    for profile in range(1, profiles + 1):
        at = START + timedelta(minutes=rng.randint(0, 600))
        for s in range(sessions):
            session = f"s-{profile}-{s}"
            for _ in range(rng.randint(1, 3)):
                events.extend(_play(rng, profile, at, session))
                at += timedelta(minutes=rng.choice([5, 20, 29, 31]))
            events.append(event("search", profile, at, session=session, query="heist", results=3))
            at += timedelta(minutes=rng.choice([10, 29, 30, 31, 45, 300, 900]))
    return events


def latest(events: list[Event]) -> datetime:
    return max(e.client_time for e in events)
