"""Validation tuning: best nDCG wins, but a blend may not narrow the catalog below EASE's."""

from __future__ import annotations

import pandas as pd
import pytest

from marquee.recs.evaluation.protocols import make_split
from marquee.recs.evaluation.runner import Params, StageData, coverage_floor, pick, prepare, tune


@pytest.fixture(scope="module")
def valid(ratings: pd.DataFrame) -> StageData:
    split = make_split(ratings, "recbole", seed=42)
    return prepare(split.valid, split.items)


def metric(trial: dict[str, object], key: str) -> float:
    value = trial[key]
    assert isinstance(value, float)
    return value


def test_pick_without_a_floor_takes_the_best_ndcg_first_tried_on_ties() -> None:
    assert pick([0.30, 0.32, 0.32], [0.9, 0.1, 0.5], None, 10) == (1, "best ndcg@10")


def test_pick_refuses_the_most_accurate_setting_when_it_narrows_the_catalog() -> None:
    ndcg, coverage = [0.30, 0.33, 0.31], [0.29, 0.25, 0.288]
    best, reason = pick(ndcg, coverage, ("ease", 0.288), 10)
    assert best == 2
    assert reason == "best ndcg@10 with coverage@10 >= ease's 0.288000"


def test_pick_falls_back_to_the_widest_setting_and_says_why() -> None:
    best, reason = pick([0.33, 0.30, 0.31], [0.20, 0.26, 0.25], ("ease", 0.288), 10)
    assert best == 1
    assert reason.startswith("no setting reached ease's coverage@10 0.288000")


def test_blend_tuning_refuses_a_more_accurate_but_narrower_setting(valid: StageData) -> None:
    # iALS alone is the more accurate setting on this data but covers less than EASE does;
    # session EASE alone is less accurate and covers more.
    base: Params = {"members": "ials,session_ease"}
    chosen, trials = tune(
        "blend", valid, 10, item_text=None, base=base, space={"weights": ["1,0", "0,1"]}
    )
    floor = coverage_floor("blend", valid, 10, item_text=None, base=base)
    assert floor is not None
    assert floor[0] == "ease"
    narrow, wide = trials
    assert metric(narrow, "ndcg@10") > metric(wide, "ndcg@10")  # unconstrained, "1,0" wins
    assert metric(narrow, "coverage@10") < floor[1] <= metric(wide, "coverage@10")
    assert chosen["weights"] == "0,1"
    assert str(wide["chosen"]).startswith("best ndcg@10 with coverage@10 >= ease's")
    assert "chosen" not in narrow


def test_floor_uses_the_tuned_ease_parameters_passed_to_the_blend(valid: StageData) -> None:
    # A small λ spreads EASE over more of the catalog, so the floor must rise with it.
    low = coverage_floor("blend", valid, 10, item_text=None, base={"ease.l2": 1.0})
    high = coverage_floor("blend", valid, 10, item_text=None, base={"ease.l2": 2000.0})
    assert low is not None
    assert high is not None
    assert low[1] > high[1]


def test_models_without_a_floor_tune_on_ndcg_alone(valid: StageData) -> None:
    assert coverage_floor("ease", valid, 10, item_text=None, base=None) is None
    _, trials = tune("ease", valid, 10, item_text=None, space={"l2": [10.0, 500.0]})
    assert sum("chosen" in trial for trial in trials) == 1
