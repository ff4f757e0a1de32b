"""Kill -9 the stream processor mid-stream and restart it, on both event-log backends: every
acknowledged event is processed and none twice in effect, with 10 % of events resent."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marquee.domain.events import Event
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures, rows, spine_of
from marquee.storage.eventlog import LogRecord
from tests.features_backends import CATALOG, Pipeline, pipeline
from tests.features_sample import event

ROOT = Path(__file__).resolve().parents[2]
DAY_START = datetime(2026, 11, 20, 0, 5, tzinfo=UTC)
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "redis"])
def pipe(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pipeline]:
    with pipeline(request.param, tmp_path) as p:
        yield p


def one_day_of_viewing(profiles: int = 8, plays: int = 25) -> list[Event]:
    """Every event in one UTC day, so ``plays_today`` counts every play."""
    rng = random.Random(42)
    events: list[Event] = []
    for profile in range(1, profiles + 1):
        at = DAY_START + timedelta(minutes=rng.randint(0, 60))
        for _ in range(plays):
            title = rng.randint(1, 8)
            kw = {"title": title, "duration_s": 1000.0}
            events.append(event("play_start", profile, at, position_s=0.0, **kw))
            events.append(event("heartbeat", profile, at + timedelta(seconds=10),
                                position_s=10.0, **kw))  # fmt: skip
            end = rng.choice(["complete", "stop"])
            events.append(event(end, profile, at + timedelta(seconds=40),
                                position_s=rng.choice([100.0, 1000.0]), **kw))  # fmt: skip
            at += timedelta(minutes=rng.choice([3, 20, 35]))
    return events


def child(pipe: Pipeline, mode: str) -> subprocess.Popen[str]:
    urls = pipe.urls
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.processor_child",
         urls["events_url"], urls["online_url"], urls["namespace"], mode],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"


def plays_seen(pipe: Pipeline, profiles: list[int]) -> int:
    return sum(pipe.features.realtime(p)["plays_today"] for p in profiles)


def test_killed_processor_restarts_without_losing_or_doubling_effects(pipe: Pipeline) -> None:
    events = one_day_of_viewing()
    profiles = sorted({e.profile_id for e in events})
    total_plays = sum(1 for e in events if e.type == "play_start")
    resent = random.Random(1).sample(events, len(events) // 10)
    assert pipe.publish(events) == len(events)
    victim = child(pipe, "run")
    wait_ready(victim)
    assert victim.stdout is not None
    assert victim.stdout.readline().strip() == "stuck"  # effects written, ack not yet sent
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert 0 < plays_seen(pipe, profiles) < total_plays, "killed mid-stream"
    assert pipe.log.pending("features") != []  # the dead consumer's unacknowledged batch
    # Resends the log cannot recognise (as after its dedup window): new log ids, same events.
    pipe.log.append([LogRecord(f"{e.event_id}-again", e.profile_id, e.to_json()) for e in resent])
    survivor = child(pipe, "drain")
    out, _ = survivor.communicate(timeout=120)
    stats = json.loads(out.splitlines()[-1])
    assert survivor.returncode == 0
    assert pipe.log.pending("features") == []  # everything delivered was acknowledged
    assert stats["claimed"] > 0  # the dead consumer's unacknowledged batch was taken over
    assert plays_seen(pipe, profiles) == total_plays
    offline = OfflineFeatures(events_to_arrow(events), CATALOG.titles_table())
    for profile in profiles:
        stored = pipe.features.realtime(profile)
        at = datetime.fromisoformat(stored.pop("as_of"))
        expected = rows(offline.realtime(spine_of("profile_id", [profile], at)))[0]
        assert stored == {k: v for k, v in expected.items() if k not in ("key", "profile_id")}
