"""``marquee batch features``: reads the lake, computes, publishes a version; reruns are
idempotent and readers see the values the offline computation gives."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marquee.bootstrap import bootstrap
from marquee.cli import app as cli
from marquee.config import load_settings
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures, rows, spine_of
from tests.features_sample import history, latest

pytestmark = pytest.mark.slow


def test_batch_features_publishes_what_the_offline_computation_gives(data_dir: Path) -> None:
    events = history(4, profiles=3, sessions=5)
    table = events_to_arrow(events)
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        container.lake.append(table)
        titles = container.features.catalog.titles_table()
    finally:
        container.close()
    as_of = (latest(events) + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    args = ["--data-dir", str(data_dir), "batch", "features", "--as-of", as_of.isoformat()]
    for _ in range(2):  # the second run rewrites the same version
        result = CliRunner().invoke(cli.app, args)
        assert result.exit_code == 0, result.output
        assert "3 profiles" in result.output
    offline = OfflineFeatures(table, titles)
    at = as_of.replace(tzinfo=latest(events).tzinfo)
    expected = {
        r["profile_id"]: r for r in rows(offline.profiles(spine_of("profile_id", [1, 2, 3], at)))
    }
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        assert container.features.current_version() == as_of.strftime("%Y%m%dT%H%M%S")
        for profile in (1, 2, 3):
            stored = container.features.profile_batch(profile)
            want = {k: v for k, v in expected[profile].items() if k not in ("key", "profile_id")}
            assert stored == want
            assert stored is not None
            assert stored["watch_hours_365d"] > 0
        item = container.features.item_batch(events[0].item.title_id)  # type: ignore[union-attr]
        assert item is not None
        assert item["plays_30d"] > 0
    finally:
        container.close()
