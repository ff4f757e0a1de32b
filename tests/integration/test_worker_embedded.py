"""Embedded mode: the API process runs the job workers itself, and stops them on shutdown."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marquee.api import create_app
from marquee.bootstrap import Container
from marquee.config import Settings
from marquee.domain.roles import Role
from marquee.storage.db.tables import Account
from tests.api.tus import head, new_title, upload
from tests.conftest import Caller
from tests.integration.worker_media import make_source

pytestmark = pytest.mark.slow


def _worker_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("marquee-")}


def _producer(container: Container) -> Caller:
    with container.db.session() as s:
        account = Account(email="embedded@example.com", password_hash=None, role="producer")
        s.add(account)
        s.flush()
        account_id = account.id
    token = container.tokens.issue(account_id=account_id, role=Role.PRODUCER, session="embedded")
    return Caller(account_id, "embedded@example.com", Role.PRODUCER, token)


# Embedded mode is the single-process shape.
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_serve_transcodes_uploads_by_itself_and_stops_its_workers(
    settings: Settings, tmp_path: Path
) -> None:
    media = settings.media.model_copy(update={"x264_preset": "ultrafast", "job_poll_s": 0.1})
    embedded = settings.model_copy(update={"media": media})
    before = _worker_threads()
    with TestClient(create_app(embedded)) as client:
        assert {"marquee-jobs-1", "marquee-upload-janitor"} <= _worker_threads() - before
        producer = _producer(client.app.state.container)  # type: ignore[attr-defined]
        url = upload(client, producer, make_source(tmp_path), title_id=new_title(client, producer))
        asset_id = head(client, producer, url).headers["Marquee-Media-Asset"]
        deadline = time.monotonic() + 90
        shown = {}
        while time.monotonic() < deadline:
            shown = client.get(f"/v1/media/{asset_id}", headers=producer.headers).json()
            if shown["status"] in ("ready", "failed"):
                break
            time.sleep(0.2)
        assert (shown["status"], shown["ready"]) == ("ready", True), shown
    assert _worker_threads() - before == set()
