"""One behaviour suite, run against every candidate model (the ``implicit`` library's habit)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from marquee.recs.candidates import (
    EASE,
    IALS,
    SAR,
    Content,
    ItemKNN,
    Popularity,
    Recommender,
    SessionEASE,
    Trending,
    has_torch,
    load_model,
    make_model,
)
from marquee.recs.data import IdMap, Interactions, from_ratings

K = 10

FACTORIES: dict[str, Callable[[pd.DataFrame], Recommender]] = {
    "popularity": lambda _: Popularity(),
    "popularity-segments": lambda _: Popularity(per_segment=True, min_segment_users=5),
    "trending": lambda _: Trending(half_life_days=7.0),
    "itemknn": lambda _: ItemKNN(neighbours=20, shrink=5.0),
    "sar": lambda _: SAR(),
    "ease": lambda _: EASE(l2=50.0),
    "session_ease": lambda _: SessionEASE(l2=10.0, gap_s=5 * 86_400.0),
    "ials": lambda _: IALS(factors=8, iterations=5, seed=3),
    "content": lambda text: Content(min_df=1, item_text=text),
    "blend": lambda _: make_model(
        "blend", {"weights": "0.5,0.3,0.2", "ials.factors": 8, "ials.iterations": 5}
    ),
    "two_tower": lambda text: make_model(
        "two_tower", {"dim": 16, "epochs": 2, "batch_size": 256}, item_text=text
    ),
}
NEEDS_TORCH = pytest.mark.skipif(
    not has_torch(), reason="two_tower needs the torch extra (pip install torch==2.13.0)"
)


@pytest.fixture(scope="module")
def snapshot(ratings: pd.DataFrame, item_text: pd.DataFrame) -> Interactions:
    """Every catalog item (some never rated) and a segment per user."""
    data = from_ratings(ratings, items=IdMap.from_values(item_text["item_id"]))
    segments = (data.users.raw % 3).astype(np.int64)
    return Interactions(
        data.users,
        data.items,
        data.matrix,
        data.timestamps,
        data.negatives,
        segments,
        data.snapshot_id,
    )


@pytest.fixture(
    params=[
        pytest.param(n, marks=NEEDS_TORCH) if n == "two_tower" else n for n in sorted(FACTORIES)
    ]
)
def fitted(
    request: pytest.FixtureRequest, snapshot: Interactions, item_text: pd.DataFrame
) -> Recommender:
    return FACTORIES[request.param](item_text).fit(snapshot)


def all_users(model: Recommender) -> np.ndarray:
    return np.arange(model.n_users)


def test_recommend_never_returns_items_the_user_has_seen(
    fitted: Recommender, snapshot: Interactions
) -> None:
    ids, _ = fitted.recommend(all_users(fitted), K)
    for user, row in enumerate(ids):
        seen = set(snapshot.matrix[user].indices)
        assert seen.isdisjoint(row[row >= 0])


def test_recommend_returns_k_distinct_items_best_first(fitted: Recommender) -> None:
    ids, scores = fitted.recommend(all_users(fitted), K)
    assert ids.shape == scores.shape == (fitted.n_users, K)
    for row, row_scores in zip(ids, scores, strict=True):
        assert (row >= 0).all()
        assert len(set(row)) == K
        assert (np.diff(row_scores) <= 0).all()


def test_refitting_with_the_same_seed_gives_the_same_recommendations(
    request: pytest.FixtureRequest,
    fitted: Recommender,
    snapshot: Interactions,
    item_text: pd.DataFrame,
) -> None:
    again = FACTORIES[request.node.callspec.params["fitted"]](item_text).fit(snapshot)
    first, _ = fitted.recommend(all_users(fitted), K)
    second, _ = again.recommend(all_users(again), K)
    np.testing.assert_array_equal(first, second)


def test_saved_and_loaded_model_recommends_identically(fitted: Recommender, tmp_path: Path) -> None:
    folder = fitted.save(tmp_path / "model")
    loaded = load_model(folder)
    assert type(loaded) is type(fitted)
    assert loaded.version == fitted.version
    before = fitted.recommend(all_users(fitted), K)
    after = loaded.recommend(all_users(loaded), K)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_allclose(before[1], after[1], rtol=1e-6)
    np.testing.assert_array_equal(
        fitted.similar_items([0, 3], 5)[0], loaded.similar_items([0, 3], 5)[0]
    )


def test_saved_model_is_plain_npz_and_json(fitted: Recommender, tmp_path: Path) -> None:
    folder = fitted.save(tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "model.npz"]
    with np.load(folder / "model.npz", allow_pickle=False) as arrays:
        assert "train.data" in arrays.files


def test_similar_items_never_include_the_query_item(fitted: Recommender) -> None:
    queries = np.arange(0, fitted.n_items, 7)
    ids, _ = fitted.similar_items(queries, 5)
    for query, row in zip(queries, ids, strict=True):
        assert query not in row


def test_cold_users_get_the_popular_items(fitted: Recommender) -> None:
    ids, _ = fitted.recommend(np.array([-1, 10_000]), K)
    assert (ids >= 0).all()
    if not isinstance(fitted, Trending):  # trending serves cold users its own (decayed) ranking
        popular = np.argsort(-fitted._popularity, kind="stable")[:K]
        np.testing.assert_array_equal(ids[0], popular)
    np.testing.assert_array_equal(ids[0], ids[1])


def test_folded_in_histories_are_scored_and_excluded(fitted: Recommender) -> None:
    history = sp.csr_matrix(
        (np.ones(3, dtype=np.float32), ([0, 0, 0], [1, 2, 5])), shape=(1, fitted.n_items)
    )
    ids, _ = fitted.recommend(np.array([-1]), K, user_items=history)
    assert {1, 2, 5}.isdisjoint(ids[0])
    assert (ids[0] >= 0).all()


def test_extra_exclusions_are_never_recommended(fitted: Recommender) -> None:
    plain, _ = fitted.recommend(np.array([0]), K)
    exclude = sp.csr_matrix(
        (np.ones(3, dtype=np.float32), ([0, 0, 0], plain[0, :3])), shape=(1, fitted.n_items)
    )
    masked, _ = fitted.recommend(np.array([0]), K, exclude=exclude)
    assert set(plain[0, :3]).isdisjoint(masked[0])


def test_asking_for_more_items_than_exist_pads_with_minus_one(fitted: Recommender) -> None:
    ids, scores = fitted.recommend(np.array([0]), fitted.n_items + 5)
    assert (ids[0, -5:] == -1).all()
    assert np.isneginf(scores[0, -5:]).all()
