"""The model registry's promotion gate, versions and artefacts, on a local blob store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from marquee.clock import ManualClock
from marquee.errors import InvalidInput
from marquee.recs.candidates import EASE, Popularity
from marquee.recs.data import Interactions
from marquee.recs.errors import ModelVersionNotFound, PromotionRefused
from marquee.recs.evaluation.holdout import cutoffs, holdout_metrics
from marquee.recs.registry import ModelRegistry, regressions
from marquee.recs.release import ranker_gate
from marquee.storage.blob import BlobStat
from marquee.storage.blob.local import LocalBlobStore

GOOD = {"ndcg@10": 0.30, "recall@10": 0.40}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def registry(tmp_path: Path, clock: ManualClock) -> ModelRegistry:
    return ModelRegistry(
        LocalBlobStore(tmp_path / "blobs"),
        metrics=["ndcg@10", "recall@10"],
        tolerance=0.02,
        clock=clock,
    )


def add(registry: ModelRegistry, snapshot: str, metrics: dict[str, float]) -> str:
    entry = registry.register(
        name="ranker", artefact=b"booster " + snapshot.encode(), snapshot=snapshot,
        params={"leaves": 31}, metrics=metrics,
    )  # fmt: skip
    return entry.version


def test_the_first_version_of_a_name_always_promotes(registry: ModelRegistry) -> None:
    version = add(registry, "s1", {"ndcg@10": 0.0})
    promotion = registry.promote("ranker", version)
    assert promotion.previous is None
    assert registry.promoted("ranker").version == version  # type: ignore[union-attr]


def test_a_regression_beyond_the_tolerance_is_refused_and_changes_nothing(
    registry: ModelRegistry,
) -> None:
    first = add(registry, "s1", GOOD)
    registry.promote("ranker", first)
    worse = add(registry, "s2", {"ndcg@10": 0.30 * 0.97, "recall@10": 0.40})
    with pytest.raises(PromotionRefused) as refused:
        registry.promote("ranker", worse)
    assert refused.value.status == 409
    assert [r.split(":")[0] for r in refused.value.regressions] == ["ndcg@10"]
    assert registry.promoted("ranker").version == first  # type: ignore[union-attr]


def test_a_drop_within_the_tolerance_is_accepted(registry: ModelRegistry) -> None:
    first = add(registry, "s1", GOOD)
    registry.promote("ranker", first)
    close = add(registry, "s2", {"ndcg@10": 0.30 * 0.99, "recall@10": 0.40 * 0.985})
    promotion = registry.promote("ranker", close)
    assert (promotion.version, promotion.previous, promotion.forced) == (close, first, False)


def test_force_promotes_past_a_regression_and_records_why(registry: ModelRegistry) -> None:
    registry.promote("ranker", add(registry, "s1", GOOD))
    bad = add(registry, "s2", {"ndcg@10": 0.1, "recall@10": 0.1})
    promotion = registry.promote("ranker", bad, force=True)
    assert promotion.forced
    assert len(promotion.regressions) == 2
    assert registry.promoted("ranker").forced  # type: ignore[union-attr]


def test_a_gated_metric_the_candidate_lacks_counts_as_a_regression() -> None:
    found = regressions({"recall@10": 0.5}, GOOD, metrics=["ndcg@10", "recall@10"], tolerance=0.1)
    assert len(found) == 1
    assert "ndcg@10: not measured" in found[0]
    # Metrics the promoted version never had are not gated.
    assert regressions({}, {}, metrics=["ndcg@10"], tolerance=0.0) == []


def test_registering_the_same_training_again_returns_the_existing_version(
    registry: ModelRegistry, clock: ManualClock
) -> None:
    first = registry.register(name="ranker", artefact=b"a", snapshot="s", params={}, metrics={})
    clock.advance(minutes=5)
    again = registry.register(name="ranker", artefact=b"b", snapshot="s", params={}, metrics={})
    assert again == first
    assert registry.artefact("ranker", first.version) == b"a"
    assert len(registry.versions("ranker")) == 1


def test_versions_are_listed_newest_first(registry: ModelRegistry, clock: ManualClock) -> None:
    older = add(registry, "s1", GOOD)
    clock.advance(hours=1)
    newer = add(registry, "s2", GOOD)
    assert [e.version for e in registry.versions("ranker")] == [newer, older]
    assert registry.names() == ["ranker"]


def test_a_registration_that_fails_before_its_manifest_leaves_no_version(
    tmp_path: Path, clock: ManualClock
) -> None:
    class FailingManifests(LocalBlobStore):
        def put_bytes(self, key: str, data: bytes) -> BlobStat:
            if key.endswith("manifest.json"):
                raise OSError("disk full")
            return super().put_bytes(key, data)

    registry = ModelRegistry(FailingManifests(tmp_path), metrics=[], tolerance=0, clock=clock)
    with pytest.raises(OSError, match="disk full"):
        add(registry, "s1", GOOD)
    assert registry.names() == []
    assert registry.promoted("ranker") is None


def test_unknown_names_and_versions_are_not_found(registry: ModelRegistry) -> None:
    with pytest.raises(ModelVersionNotFound):
        registry.history("ranker")
    add(registry, "s1", GOOD)
    with pytest.raises(ModelVersionNotFound):
        registry.promote("ranker", "0123456789ab")


def test_names_that_are_not_safe_keys_are_refused(registry: ModelRegistry) -> None:
    with pytest.raises(InvalidInput, match="name"):
        registry.register(name="../x", artefact=b"", snapshot="s", params={}, metrics={})
    with pytest.raises(InvalidInput, match="version"):
        registry.get("ranker", "promoted/../x")


def test_a_registered_model_loads_back_and_recommends_the_same(
    registry: ModelRegistry, interactions: Interactions
) -> None:
    model = EASE(l2=50.0).fit(interactions)
    entry = registry.register_model("top-picks", model, metrics=GOOD)
    assert entry.kind == "recommender:ease"
    assert entry.snapshot_id == interactions.snapshot_id
    loaded = registry.load_model("top-picks", entry.version)
    users = np.arange(10)
    assert np.array_equal(loaded.recommend(users, 10)[0], model.recommend(users, 10)[0])


def test_the_holdout_ranks_a_personal_model_above_popularity(interactions: Interactions) -> None:
    metrics = ["ndcg@10", "recall@5"]
    ease = holdout_metrics(lambda: EASE(l2=50.0), interactions, metrics=metrics, max_users=60)
    popular = holdout_metrics(Popularity, interactions, metrics=metrics, max_users=60)
    assert ease["holdout_users"] == 60
    assert {"ndcg@10", "recall@5"} <= ease.keys()
    assert ease["ndcg@10"] > popular["ndcg@10"]
    assert cutoffs(["ndcg@10", "recall@5", "coverage"]) == [5, 10]


def test_pruning_keeps_the_newest_versions_and_always_the_promoted_one(
    registry: ModelRegistry, clock: ManualClock
) -> None:
    versions = []
    for n in range(5):
        versions.append(add(registry, f"s{n}", GOOD))
        clock.advance(minutes=1)
    registry.promote("ranker", versions[0])
    deleted = registry.prune("ranker", keep=2)
    assert sorted(deleted) == sorted(versions[1:3])
    left = {e.version for e in registry.versions("ranker")}
    assert left == {versions[0], versions[3], versions[4]}
    with pytest.raises(ModelVersionNotFound):
        registry.artefact("ranker", versions[1])


def _promote_ranker(registry: ModelRegistry, labels_play: str) -> None:
    entry = registry.register(
        name="ranker", artefact=labels_play.encode(), snapshot=labels_play,
        params={"labels_play": labels_play}, metrics={"auc_play": 0.7, "auc_play_shown": 0.6},
    )  # fmt: skip
    registry.promote("ranker", entry.version, force=True)


@pytest.mark.parametrize(
    ("promoted", "candidate", "gated_play"),
    [
        (None, "impressions", "auc_play"),  # nothing to compare with: the full gate
        ("temporal", "temporal", "auc_play"),
        ("impressions", "impressions", "auc_play_shown"),
        ("temporal", "impressions", None),  # label source changed: play head not comparable
        ("impressions", "temporal", None),
    ],
)
def test_the_ranker_gate_compares_the_play_head_like_with_like(
    registry: ModelRegistry, promoted: str | None, candidate: str, gated_play: str | None
) -> None:
    if promoted is not None:
        _promote_ranker(registry, promoted)
    gate = ranker_gate(registry, candidate)
    assert {"auc_complete", "auc_thumbs"} <= set(gate)
    assert [m for m in gate if m.startswith("auc_play")] == ([gated_play] if gated_play else [])
