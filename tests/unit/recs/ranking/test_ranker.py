"""The multi-objective ranker: learns planted signals, round-trips, and blends by configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marquee.recs.errors import InvalidDataError
from marquee.recs.postrank import Rules
from marquee.recs.ranking.ranker import BlendWeights, MultiObjectiveRanker, auc
from marquee.recs.ranking.training import ScoredPool
from marquee.recs.rows import SERVING_CONFIGS, blend_for, rules_for

FEATURES = ["signal", "quality", "noise"]


def planted(n: int, seed: int) -> pd.DataFrame:
    """``signal`` decides play (10 % flipped); ``quality`` decides complete and thumbs."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "profile_id": rng.integers(0, 400, n),
            "title_id": rng.integers(0, 1000, n),
            "signal": rng.random(n),
            "quality": rng.random(n),
            "noise": rng.random(n),
        }
    )
    flip = rng.random(n) < 0.1
    frame["play"] = ((frame["signal"] > 0.6) ^ flip).astype(np.int64)
    frame["complete"] = (frame["play"].astype(bool) & (frame["quality"] > 0.4)).astype(np.int64)
    frame["thumbs"] = (frame["play"].astype(bool) & (frame["quality"] > 0.8)).astype(np.int64)
    return frame


@pytest.fixture(scope="module")
def ranker() -> MultiObjectiveRanker:
    return MultiObjectiveRanker(rounds=60).fit(planted(4000, seed=1), FEATURES, snapshot_id="s1")


def test_each_head_learns_its_planted_signal_on_held_out_rows(
    ranker: MultiObjectiveRanker,
) -> None:
    test = planted(2000, seed=2)
    p_play, p_complete, p_thumbs = ranker.predict(test)
    played = test["play"] == 1
    assert auc(test["play"], p_play) > 0.8
    assert auc(test["complete"][played], p_complete[played]) > 0.8
    assert auc(test["thumbs"][played], p_thumbs[played]) > 0.8
    assert ranker.version is not None
    assert ranker.version.metrics["auc_play"] > 0.8
    assert ranker.version.snapshot_id == "s1"
    assert ranker.version.positives["play"] == int(planted(4000, seed=1)["play"].sum())


def test_a_saved_ranker_loads_with_identical_predictions(
    ranker: MultiObjectiveRanker, tmp_path: Path
) -> None:
    test = planted(300, seed=3)
    loaded = MultiObjectiveRanker.load(ranker.save(tmp_path / "ranker"))
    for before, after in zip(ranker.predict(test), loaded.predict(test), strict=True):
        np.testing.assert_array_equal(before, after)
    assert loaded.version == ranker.version
    again = MultiObjectiveRanker.from_bytes(ranker.to_bytes())
    np.testing.assert_array_equal(again.predict(test)[0], ranker.predict(test)[0])


def test_prediction_reads_features_by_name_not_position(ranker: MultiObjectiveRanker) -> None:
    test = planted(200, seed=4)
    shuffled = test[["noise", "quality", "signal", "profile_id"]]
    np.testing.assert_array_equal(ranker.predict(test)[0], ranker.predict(shuffled)[0])
    with pytest.raises(InvalidDataError, match="signal"):
        ranker.predict(test.drop(columns="signal"))


def test_no_play_positives_means_no_ranker() -> None:
    frame = planted(500, seed=5).assign(play=0, complete=0, thumbs=0)
    with pytest.raises(InvalidDataError):
        MultiObjectiveRanker().fit(frame, FEATURES)


def test_a_head_without_positives_becomes_its_base_rate() -> None:
    frame = planted(2000, seed=6).assign(thumbs=0)
    ranker = MultiObjectiveRanker(rounds=20).fit(frame, FEATURES)
    _, _, p_thumbs = ranker.predict(planted(50, seed=7))
    assert np.all(p_thumbs == 0.0)
    loaded = MultiObjectiveRanker.from_bytes(ranker.to_bytes())
    assert np.all(loaded.predict(planted(50, seed=7))[2] == 0.0)


def test_blend_weights_change_the_order() -> None:
    # Title 1 is likely started but rarely finished; title 2 the opposite.
    pool = ScoredPool(
        titles=np.array([1, 2, 3], dtype=np.int64),
        p_play=np.array([0.6, 0.5, 0.1]),
        p_complete=np.array([0.1, 0.9, 0.5]),
        p_thumbs=np.array([0.1, 0.8, 0.5]),
    )
    by_play = [t for t, _ in pool.ordered(BlendWeights(1.0, 0.0, 0.0), 3)]
    by_satisfaction = [t for t, _ in pool.ordered(BlendWeights(*blend_for("satisfaction")), 3)]
    assert by_play == [1, 2, 3]
    assert by_satisfaction == [2, 1, 3]


def test_serving_configurations_name_their_blend_and_keep_their_rules() -> None:
    assert blend_for("default") == SERVING_CONFIGS["default"]["blend"]
    assert blend_for("satisfaction") != blend_for("default")
    assert blend_for("no-such-config") == blend_for("default")
    assert rules_for(Rules(), "default") == Rules()
    assert rules_for(Rules(), "satisfaction") == Rules()
