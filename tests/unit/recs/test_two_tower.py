"""The two-tower model: it learns taste clusters, uses content for unseen items, exports to ANN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marquee.recs.candidates import Recommender, make_model, two_tower
from marquee.recs.data import IdMap, Interactions, from_ratings
from marquee.recs.errors import InvalidDataError

from .conftest import N_CLUSTERS

pytestmark = pytest.mark.skipif(
    not two_tower.has_torch(), reason="two_tower needs the torch extra (pip install torch==2.13.0)"
)


@pytest.fixture(scope="module")
def snapshot(ratings: pd.DataFrame, item_text: pd.DataFrame) -> Interactions:
    return from_ratings(ratings, items=IdMap.from_values(item_text["item_id"]))


@pytest.fixture(scope="module")
def model(snapshot: Interactions, item_text: pd.DataFrame) -> Recommender:
    params = {"dim": 16, "epochs": 15, "batch_size": 256, "temperature": 0.1}
    return make_model("two_tower", params, item_text=item_text).fit(snapshot)


def cluster(item_index: np.ndarray, snapshot: Interactions) -> np.ndarray:
    return (snapshot.items.to_raw(item_index) - 5000) % N_CLUSTERS


def test_training_lowers_the_sampled_softmax_loss(model: two_tower.TwoTower) -> None:
    assert model.losses[-1] < 0.95 * model.losses[0]


def test_users_are_recommended_mostly_their_own_taste_cluster(
    model: Recommender, snapshot: Interactions
) -> None:
    ids, _ = model.recommend(np.arange(snapshot.n_users), 5)
    agree = []
    for user, row in enumerate(ids):
        seen = snapshot.matrix[user].indices
        favourite = np.bincount(cluster(seen, snapshot), minlength=N_CLUSTERS).argmax()
        agree.append(np.mean(cluster(row, snapshot) == favourite))
    assert np.mean(agree) > 0.6  # chance is 0.25


def test_items_nobody_watched_have_neighbours_of_their_own_genre(
    model: Recommender, snapshot: Interactions
) -> None:
    unrated = np.flatnonzero(np.diff(snapshot.matrix.tocsc().indptr) == 0)
    assert unrated.size == 5
    ids, _ = model.similar_items(unrated, 5)
    same = cluster(ids, snapshot) == cluster(unrated, snapshot)[:, None]
    assert same.mean() > 0.6


def test_ann_retrieval_matches_exact_recommendations(model: two_tower.TwoTower) -> None:
    users = np.arange(20)
    exact, _ = model.recommend(users, 10)
    index = model.build_index("exact")
    found, _ = model.retrieve(index, users, 10)
    np.testing.assert_array_equal(found, exact)


def test_without_torch_the_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(two_tower, "has_torch", lambda: False)
    with pytest.raises(InvalidDataError, match=r"pip install 'marquee\[torch\]'"):
        make_model("two_tower")


def test_nonsense_sizes_are_refused() -> None:
    with pytest.raises(InvalidDataError, match="two_tower"):
        make_model("two_tower", {"temperature": 0.0})
