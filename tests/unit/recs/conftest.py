"""Small generated interaction data with real structure (taste clusters), built in milliseconds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marquee.recs.data import Interactions, from_ratings

N_USERS, N_ITEMS, N_CLUSTERS = 120, 80, 4
DAY = 86_400


def generated_ratings(seed: int = 7) -> pd.DataFrame:
    """Users mostly rate items of their own cluster; popular items are rated more often."""
    rng = np.random.default_rng(seed)
    user_cluster = rng.integers(0, N_CLUSTERS, N_USERS)
    item_cluster = np.arange(N_ITEMS) % N_CLUSTERS
    appeal = rng.pareto(2.0, N_ITEMS) + 0.2
    rows = []
    for user in range(N_USERS):
        taste = np.where(item_cluster == user_cluster[user], 4.0, 0.4) * appeal
        count = int(rng.integers(12, 35))
        items = rng.choice(N_ITEMS, size=count, replace=False, p=taste / taste.sum())
        for item in items:
            rating = float(rng.choice(5, p=[0.05, 0.1, 0.25, 0.35, 0.25]) + 1)
            rows.append((1000 + user, 5000 + int(item), rating, int(rng.integers(0, 60)) * DAY))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


def generated_item_text() -> pd.DataFrame:
    words = ["space", "love", "crime", "war"]
    return pd.DataFrame(
        {
            "item_id": 5000 + np.arange(N_ITEMS + 5),  # 5 items nobody has rated
            "text": [
                f"title {i} genre:{words[i % N_CLUSTERS]} {words[i % N_CLUSTERS]} story"
                for i in range(N_ITEMS + 5)
            ],
        }
    )


@pytest.fixture(scope="session")
def ratings() -> pd.DataFrame:
    return generated_ratings()


@pytest.fixture(scope="session")
def item_text() -> pd.DataFrame:
    return generated_item_text()


@pytest.fixture(scope="session")
def interactions(ratings: pd.DataFrame) -> Interactions:
    return from_ratings(ratings)
