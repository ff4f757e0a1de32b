"""The stream processor as a worker loop, on both stacks: events published through the events
service show up as real-time features within a second or two, with genres from the catalog."""

from __future__ import annotations

import time
from datetime import timedelta

from marquee.bootstrap import Container
from marquee.clock import ManualClock
from marquee.features.processor import StreamProcessor
from marquee.storage.db.tables import Genre, Title, TitleGenre
from marquee.worker import Worker
from tests.features_sample import event


def add_title(container: Container, name: str, genres: list[str]) -> int:
    with container.db.session() as s:
        title = Title(kind="movie", name=name)
        s.add(title)
        s.flush()
        for slug in genres:
            genre = Genre(slug=slug, name=slug.title())
            s.add(genre)
            s.flush()
            s.add(TitleGenre(title_id=title.id, genre_id=genre.id))
        return title.id


def test_published_events_become_features_in_the_running_worker(
    container: Container, clock: ManualClock
) -> None:
    heat = add_title(container, "Heat", ["crime", "thriller"])
    up = add_title(container, "Up", ["animation"])
    processor = StreamProcessor(
        event_log=container.event_log, features=container.features, block_ms=50
    )
    worker = Worker(container, [processor])
    worker.start(daemon=True)
    try:
        start = clock.now - timedelta(minutes=20)
        container.events.publish([
            event("play_start", 7, start, title=heat, duration_s=6000.0),
            event("stop", 7, start + timedelta(minutes=9), title=heat, position_s=540.0,
                  duration_s=6000.0),
            event("play_start", 7, start + timedelta(minutes=10), title=up),
        ])  # fmt: skip
        deadline = time.monotonic() + 10
        while container.features.realtime(7)["plays_today"] < 2:
            assert time.monotonic() < deadline, "features never appeared"
            time.sleep(0.02)
    finally:
        worker.stop()
    values = container.features.realtime(7)
    assert values["session_genres"] == ["animation", "crime", "thriller"]
    assert values["recent_items"] == [up, heat]
    assert values["abandoned_plays_1h"] == 1
    assert values["session_length_s"] == 600.0
    assert container.event_log.pending("features") == []
