"""Fixtures shared by the integration tests that drive the CLI against a data directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory holding a migrated SQLite database, with no MARQUEE_* overrides."""
    for name in [n for n in os.environ if n.startswith("MARQUEE_")]:
        monkeypatch.delenv(name)
    shutil.copy(sqlite_template, tmp_path / "marquee.db")
    return tmp_path
