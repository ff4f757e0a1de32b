"""The model registry behaves the same over every blob store: a local directory and real S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marquee.clock import ManualClock
from marquee.recs.candidates import EASE
from marquee.recs.data import from_ratings
from marquee.recs.errors import PromotionRefused
from marquee.recs.registry import ModelRegistry
from marquee.storage.blob import BlobBackend
from marquee.storage.blob.local import LocalBlobStore
from marquee.storage.blob.s3 import S3BlobStore, S3Options
from tests.blobs import CREDENTIALS, S3Endpoint


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobBackend]:
    if request.param == "local":
        store: BlobBackend = LocalBlobStore(tmp_path / "blobs")
    else:
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        options = S3Options(endpoint_url=endpoint.endpoint_url, **CREDENTIALS)
        store = S3BlobStore(f"s3://{endpoint.new_bucket()}/registry", options)
    yield store
    store.close()


@pytest.fixture
def registry(blobs: BlobBackend) -> ModelRegistry:
    return ModelRegistry(blobs, metrics=["ndcg@10"], tolerance=0.05, clock=ManualClock())


def test_versions_manifests_and_the_pointer_live_under_models_name(
    registry: ModelRegistry, blobs: BlobBackend
) -> None:
    entry = registry.register(
        name="ranker", artefact=b"\x00booster", snapshot="snap-1", params={"leaves": 31},
        metrics={"ndcg@10": 0.2},
    )  # fmt: skip
    registry.promote("ranker", entry.version)
    assert sorted(blobs.list("models/")) == [
        f"models/ranker/{entry.version}/artefact",
        f"models/ranker/{entry.version}/manifest.json",
        "models/ranker/promoted",
    ]
    assert registry.artefact("ranker", entry.version) == b"\x00booster"
    assert registry.get("ranker", entry.version) == entry


def test_a_recommender_round_trips_and_the_gate_holds(registry: ModelRegistry) -> None:
    frame = pd.DataFrame(
        {"user_id": np.repeat(np.arange(20), 5), "item_id": np.tile(np.arange(5), 20) * 3 + 1}
    )
    frame["item_id"] += frame["user_id"] % 4
    model = EASE(l2=10.0).fit(from_ratings(frame))
    first = registry.register_model("top-picks", model, metrics={"ndcg@10": 0.5})
    registry.promote("top-picks", first.version)
    worse = registry.register(
        name="top-picks", artefact=b"x", snapshot="snap-2", params={}, metrics={"ndcg@10": 0.4}
    )
    with pytest.raises(PromotionRefused):
        registry.promote("top-picks", worse.version)
    history = registry.history("top-picks")
    assert history.promoted is not None
    assert history.promoted.version == first.version
    assert {e.version for e in history.versions} == {first.version, worse.version}
    loaded = registry.load_model("top-picks", first.version)
    assert np.array_equal(loaded.recommend([0, 1], 3)[0], model.recommend([0, 1], 3)[0])
