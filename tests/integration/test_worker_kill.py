"""Kill -9 a real ``marquee worker`` process mid-transcode: the job completes after a restart and
nothing half-written is ever published."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.config import Settings
from marquee.domain.media import Manifest
from marquee.storage.db.tables import MediaAsset
from marquee.storage.jobs import JobState
from tests.api.tus import head, new_title, upload
from tests.conftest import TEST_SECRET, MakeCaller
from tests.integration.worker_media import make_source, published_keys

pytestmark = pytest.mark.slow
LEASE_S = 3


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env.update(
        MARQUEE_DATA_DIR=str(settings.data_dir),
        MARQUEE_DATABASE_URL=settings.database_url,
        MARQUEE_ONLINE_URL=settings.online_url,
        MARQUEE_EVENTS_URL=settings.events_url,
        MARQUEE_KV_NAMESPACE=settings.kv_namespace,
        MARQUEE_SECRET_KEY=TEST_SECRET,
        MARQUEE_LOG_JSON="false",
        MARQUEE_MEDIA__X264_PRESET="ultrafast",
        MARQUEE_MEDIA__JOB_LEASE_S=str(LEASE_S),
        MARQUEE_MEDIA__JOB_POLL_S="0.2",
    )
    return env


@contextmanager
def worker_process(settings: Settings, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``marquee worker`` in its own process group, so a kill takes its ffmpeg with it."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "marquee.cli", "worker"],
            env=_environment(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _ffmpeg_running_in(group: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        if "ffmpeg" in comm and int(fields.split()[2]) == group:
            return True
    return False


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def test_a_killed_workers_transcode_completes_after_restart_and_nothing_half_is_published(
    client: TestClient,
    container: Container,
    settings: Settings,
    make_caller: MakeCaller,
    tmp_path: Path,
) -> None:
    producer = make_caller("producer")
    title_id = new_title(client, producer)
    url = upload(client, producer, make_source(tmp_path / "src"), title_id=title_id)
    asset_id = int(head(client, producer, url).headers["Marquee-Media-Asset"])
    job_id = container.media.get_asset(asset_id=asset_id).job.id  # type: ignore[union-attr]
    log = tmp_path / "worker.log"

    with worker_process(settings, log) as first:
        _wait_for(lambda: _ffmpeg_running_in(first.pid), "ffmpeg to start", 60, log)
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its ffmpeg, mid-transcode
        first.wait(timeout=10)
    killed = container.jobs.get(job_id)
    assert (killed.state, killed.attempts) == (JobState.RUNNING, 1)
    with container.db.session() as s:
        asset = s.get(MediaAsset, asset_id)
        assert asset is not None
        assert (asset.status, asset.manifest) == ("processing", None)

    with worker_process(settings, log):
        _wait_for(lambda: container.jobs.get(job_id).state.finished, "the job to finish", 120, log)
    done = container.jobs.get(job_id)
    assert (done.state, done.attempts) == (JobState.SUCCEEDED, 2), log.read_text()[-3000:]
    with container.db.session() as s:
        asset = s.get(MediaAsset, asset_id)
        assert asset is not None
        assert asset.status == "ready"
        assert asset.manifest is not None
        manifest = Manifest.from_json(asset.manifest)
    assert manifest.prefix == f"media/{asset_id}/v{job_id}-2"
    published_keys(container.blobs, manifest)
    leftovers = {key.split("/")[2] for key in container.blobs.list(f"media/{asset_id}/")}
    assert leftovers == {f"v{job_id}-2"}
