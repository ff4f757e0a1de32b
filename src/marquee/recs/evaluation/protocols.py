"""Offline protocols: each turns ratings into a validation stage (for tuning) and a test stage.

* ``recbole`` — RecBole's general-recommendation setting: ratings ≥ 3 kept, 10-core filter
  repeated until stable, rows shuffled, each user's list split 80/10/10 in that order with
  valid = test = int(0.1·n) (RecBole ``_calcu_split_ids``); full ranking masks train for valid
  and train + valid for test; the model is fitted on train only.
* ``temporal`` — leave-last-out: per user by time, the last row is test, the one before valid.
* ``strong`` — strong generalisation (Liang et al. 2018, VAE-CF): ratings > 3.5, users with ≥ 5;
  10 % of users held out for valid and 10 % for test; each held-out user's items are split
  80/20 at random into a fold-in history and targets; held-out items unseen in train dropped.
* ``msr-user`` / ``msr-item`` — Microsoft Recommenders' ``python_stratified_split``: each user
  (or item) group shuffled, round(0.75·n) rows to train; every test rating is relevant; train
  items are masked; the ranking universe is the train items. Tuning uses the same split of
  train with seed + 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from marquee.recs.data import IdMap
from marquee.recs.errors import InvalidDataError

PROTOCOLS = ("recbole", "temporal", "strong", "msr-user", "msr-item")


@dataclass(frozen=True)
class Stage:
    """Fit on ``fit``; find ``target`` for its users; mask their history and ``exclude``.

    ``fold_in`` holds the histories of users absent from ``fit`` (strong generalisation).
    """

    fit: pd.DataFrame
    target: pd.DataFrame
    fold_in: pd.DataFrame | None = None
    exclude: pd.DataFrame | None = None


@dataclass(frozen=True)
class Split:
    protocol: str
    seed: int
    items: IdMap  # the ranking universe
    valid: Stage
    test: Stage


def make_split(ratings: pd.DataFrame, protocol: str, *, seed: int = 42) -> Split:
    """Apply ``protocol`` (one of :data:`PROTOCOLS`) to ratings in file order."""
    if protocol == "recbole":
        return recbole_split(ratings, seed=seed)
    if protocol == "temporal":
        return temporal_split(ratings)
    if protocol == "strong":
        return strong_split(ratings, seed=seed)
    if protocol in ("msr-user", "msr-item"):
        return msr_split(ratings, by=protocol.removeprefix("msr-"), seed=seed)
    raise InvalidDataError(
        "--protocol", f"unknown protocol {protocol!r} (use {', '.join(PROTOCOLS)})"
    )


def k_core(ratings: pd.DataFrame, k: int) -> pd.DataFrame:
    """Drop users and items with fewer than ``k`` rows, repeatedly, until nothing changes."""
    frame = ratings
    while True:
        users = frame["user_id"].map(frame["user_id"].value_counts())
        items = frame["item_id"].map(frame["item_id"].value_counts())
        keep = (users >= k) & (items >= k)
        if keep.all():
            return frame
        frame = frame[keep]


def recbole_split(ratings: pd.DataFrame, *, seed: int, core: int = 10) -> Split:
    frame = k_core(ratings[ratings["rating"] >= 3], core)
    if frame.empty:
        raise InvalidDataError(
            "recbole", f"nothing left after the rating ≥ 3 and {core}-core filters"
        )
    rng = np.random.default_rng(seed)
    shuffled = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    position = shuffled.groupby("user_id", sort=False).cumcount().to_numpy()
    n = shuffled["user_id"].map(shuffled["user_id"].value_counts()).to_numpy()
    held = (0.1 * n).astype(np.int64)
    # RecBole gives a part at least one row when its share is between 0 and 1 (only matters
    # below the 10-core, where n < 10).
    held = np.where((held == 0) & (n >= 3), 1, held)
    n_train = n - 2 * held
    train = shuffled[position < n_train]
    valid = shuffled[(position >= n_train) & (position < n_train + held)]
    test = shuffled[position >= n_train + held]
    items = IdMap.from_values(frame["item_id"].to_numpy())
    return Split(
        "recbole",
        seed,
        items,
        Stage(train, valid),
        Stage(train, test, exclude=valid),
    )


def temporal_split(ratings: pd.DataFrame) -> Split:
    ordered = ratings.assign(_row=np.arange(len(ratings))).sort_values(
        ["user_id", "timestamp", "_row"], kind="stable"
    )
    from_end = ordered.groupby("user_id", sort=False).cumcount(ascending=False).to_numpy()
    n = ordered["user_id"].map(ordered["user_id"].value_counts()).to_numpy()
    eligible = n >= 3
    test = ordered[eligible & (from_end == 0)].drop(columns="_row")
    valid = ordered[eligible & (from_end == 1)].drop(columns="_row")
    train = ordered[~eligible | (from_end >= 2)].drop(columns="_row")
    items = IdMap.from_values(ratings["item_id"].to_numpy())
    return Split("temporal", 0, items, Stage(train, valid), Stage(train, test, exclude=valid))


def strong_split(
    ratings: pd.DataFrame, *, seed: int, held_out: float = 0.1, min_user: int = 5
) -> Split:
    positives = ratings[ratings["rating"] > 3.5]
    counts = positives["user_id"].value_counts()
    frame = positives[positives["user_id"].map(counts) >= min_user]
    rng = np.random.default_rng(seed)
    users = rng.permutation(np.unique(frame["user_id"].to_numpy()))
    n_out = max(1, int(held_out * users.shape[0]))
    if users.shape[0] < 2 * n_out + 1:
        raise InvalidDataError("strong", "too few users with ≥ 5 positive ratings")
    valid_users, test_users = users[:n_out], users[n_out : 2 * n_out]
    train = frame[~frame["user_id"].isin(users[: 2 * n_out])]
    items = IdMap.from_values(train["item_id"].to_numpy())

    def fold(group: np.ndarray) -> Stage:
        rows = frame[frame["user_id"].isin(group) & frame["item_id"].isin(items.raw)]
        rows = rows.reset_index(drop=True)
        n = rows["user_id"].map(rows["user_id"].value_counts()).to_numpy()
        draw = rng.random(len(rows))
        # Per user, the int(0.2·n) rows with the smallest draws become targets.
        rank = pd.Series(draw).groupby(rows["user_id"].to_numpy()).rank(method="first")
        is_target = rank.to_numpy() <= (0.2 * n).astype(np.int64)
        return Stage(train, rows[is_target], fold_in=rows[~is_target])

    return Split("strong", seed, items, fold(valid_users), fold(test_users))


def stratified_split(
    ratings: pd.DataFrame, *, by: str, ratio: float = 0.75, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MS Recommenders' ``python_stratified_split`` as behind their published ml-100k tables.

    That version (``reco_utils``, 2019–2021) shuffles each group with
    ``group.sample(frac=1, random_state=seed)`` — ``RandomState(seed).permutation(n)`` — and
    sends the first ``round(ratio·n)`` rows (round half to even) to train. The permutation
    depends only on n, so it is computed once per group size. Re-implemented, not copied.
    """
    column = {"user": "user_id", "item": "item_id"}.get(by)
    if column is None:
        raise InvalidDataError("msr split", "filter_by must be user or item")
    groups = ratings[column]
    position = groups.groupby(groups, sort=False).cumcount().to_numpy()
    size = groups.map(groups.value_counts()).to_numpy()
    shuffled_at = np.empty(len(ratings), dtype=np.int64)
    for n in np.unique(size):
        rows = size == n
        perm = np.random.RandomState(seed).permutation(int(n))
        shuffled_at[rows] = np.argsort(perm)[position[rows]]
    in_train = shuffled_at < np.round(ratio * size)
    return ratings[in_train], ratings[~in_train]


def msr_split(ratings: pd.DataFrame, *, by: str, seed: int = 42) -> Split:
    train, test = stratified_split(ratings, by=by, seed=seed)
    inner_train, inner_valid = stratified_split(train, by=by, seed=seed + 1)
    items = IdMap.from_values(train["item_id"].to_numpy())
    return Split(f"msr-{by}", seed, items, Stage(inner_train, inner_valid), Stage(train, test))
