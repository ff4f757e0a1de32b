"""The offline protocols reproduce the published splitting rules on generated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.protocols import k_core, make_split, stratified_split


def rows(frame: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["user_id"], frame["item_id"], strict=True))


def test_k_core_is_repeated_until_every_user_and_item_has_k_rows(ratings: pd.DataFrame) -> None:
    core = k_core(ratings, 10)
    assert (core["user_id"].value_counts() >= 10).all()
    assert (core["item_id"].value_counts() >= 10).all()


def test_recbole_split_holds_out_a_tenth_each_for_valid_and_test(ratings: pd.DataFrame) -> None:
    split = make_split(ratings, "recbole", seed=1)
    train, valid, test = split.valid.fit, split.valid.target, split.test.target
    assert (train["rating"] >= 3).all()
    for user, n in pd.concat([train, valid, test])["user_id"].value_counts().items():
        assert (valid["user_id"] == user).sum() == int(0.1 * n)
        assert (test["user_id"] == user).sum() == int(0.1 * n)
    assert not rows(train) & rows(valid)
    assert not rows(valid) & rows(test)
    assert split.test.exclude is not None
    assert rows(split.test.exclude) == rows(valid)


def test_msr_stratified_split_sends_round_three_quarters_of_each_group_to_train(
    ratings: pd.DataFrame,
) -> None:
    for by, column in (("user", "user_id"), ("item", "item_id")):
        train, test = stratified_split(ratings, by=by, seed=42)
        sizes = ratings[column].value_counts()
        got = train[column].value_counts().reindex(sizes.index, fill_value=0)
        np.testing.assert_array_equal(got.to_numpy(), np.round(0.75 * sizes.to_numpy()))
        assert len(train) + len(test) == len(ratings)


def test_msr_split_is_the_same_for_the_same_seed(ratings: pd.DataFrame) -> None:
    a, _ = stratified_split(ratings, by="user", seed=42)
    b, _ = stratified_split(ratings, by="user", seed=42)
    c, _ = stratified_split(ratings, by="user", seed=43)
    assert rows(a) == rows(b) != rows(c)


def test_temporal_split_holds_out_each_users_latest_rows(ratings: pd.DataFrame) -> None:
    split = make_split(ratings, "temporal")
    test, train = split.test.target, split.test.fit
    latest = train.groupby("user_id")["timestamp"].max()
    assert (test.set_index("user_id")["timestamp"] >= latest.reindex(test["user_id"])).all()
    assert test["user_id"].is_unique


def test_strong_generalisation_holds_out_whole_users(ratings: pd.DataFrame) -> None:
    split = make_split(ratings, "strong", seed=3)
    train_users = set(split.test.fit["user_id"])
    held = set(split.test.target["user_id"]) | set(split.valid.target["user_id"])
    assert not train_users & held
    assert split.test.fold_in is not None
    assert not rows(split.test.fold_in) & rows(split.test.target)
    assert (split.test.target["rating"] > 3.5).all()


def test_an_unknown_protocol_is_a_one_line_error(ratings: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="unknown protocol 'random'"):
        make_split(ratings, "random")
