"""The declarations are the single list of features: both paths compute exactly those, and the
documentation lists each of them."""

from __future__ import annotations

from pathlib import Path

from marquee.features.catalog import FixedTitleCatalog
from marquee.features.definitions import ITEM_BATCH, PROFILE_BATCH, REALTIME
from marquee.features.frames import events_to_arrow
from marquee.features.offline import OfflineFeatures, spine_of
from marquee.features.realtime import ProfileState, empty_values, evaluate
from tests.features_sample import GENRES, history, latest

DOCS = Path(__file__).resolve().parents[3] / "docs" / "features.md"


def names(features: tuple) -> set[str]:  # type: ignore[type-arg]
    return {f.name for f in features}


def test_each_path_computes_exactly_the_declared_features() -> None:
    events = history(3, profiles=1, sessions=2)
    offline = OfflineFeatures(events_to_arrow(events), FixedTitleCatalog(GENRES).titles_table())
    at = latest(events)
    profile = spine_of("profile_id", [1], at)
    item = spine_of("title_id", [1], at)
    assert set(offline.realtime(profile).column_names) - {"key", "profile_id"} == names(REALTIME)
    assert set(offline.profiles(profile).column_names) - {"key", "profile_id"} == names(
        PROFILE_BATCH
    )
    assert set(offline.items(item).column_names) - {"key", "title_id"} == names(ITEM_BATCH)
    online = evaluate(ProfileState(), FixedTitleCatalog(GENRES).genres)
    assert set(online) - {"as_of"} == names(REALTIME) == set(empty_values()) - {"as_of"}


def test_every_feature_is_documented() -> None:
    text = DOCS.read_text()
    for f in REALTIME + PROFILE_BATCH + ITEM_BATCH:
        assert f"`{f.name}" in text, f.name
