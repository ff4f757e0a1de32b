"""Per-variant statistics: planted effects are found, A/A tests are not (however often one
looks), confidence intervals cover the truth at about their nominal rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from marquee.experiments.analysis import (
    analyse,
    compare,
    estimate_mean,
    estimate_ratio,
    msprt_p_value,
)


def _units(
    rng: np.random.Generator, n: int, variant: str, play_p: float, minutes: float
) -> pd.DataFrame:
    impressions = rng.poisson(20, n) + 1
    plays = rng.binomial(impressions, play_p)
    return pd.DataFrame(
        {
            "profile_id": np.arange(n),
            "variant": variant,
            "impressions": impressions,
            "plays": plays,
            "completes": rng.binomial(plays, 0.6),
            "minutes": rng.gamma(2.0, minutes / 2.0, n),
            "days": 1 + rng.binomial(3, 0.3, n),
            "genres": rng.poisson(2, n),
        }
    )


def _experiment(seed: int, n: int, *, play_p: float, minutes: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    control = _units(rng, n, "control", 0.10, 30.0)
    treatment = _units(rng, n, "treatment", play_p, minutes)
    return pd.concat([control, treatment], ignore_index=True)


def test_a_planted_effect_on_play_rate_and_minutes_is_detected() -> None:
    units = _experiment(1, 4000, play_p=0.12, minutes=33.0)
    results = {r.metric.name: r for r in analyse(units, ["control", "treatment"])}
    play = results["play_rate"].comparisons["treatment"]
    assert play.significant
    assert play.p_value < 0.05
    assert play.seq_low <= play.low < 0.02 < play.high <= play.seq_high
    assert results["minutes"].comparisons["treatment"].significant
    # Untouched metrics stay insignificant.
    assert not results["diversity"].comparisons["treatment"].significant
    assert results["play_rate"].estimates["treatment"].value > 0.115


def test_an_aa_test_is_not_significant() -> None:
    units = _experiment(2, 4000, play_p=0.10, minutes=30.0)
    for result in analyse(units, ["control", "treatment"]):
        assert not result.comparisons["treatment"].significant, result.metric.name


def test_peeking_at_aa_tests_keeps_the_false_positive_rate_at_alpha() -> None:
    """200 A/A experiments, each looked at 10 times as profiles arrive: the share declared
    significant at any look stays near α = 5 % (a fixed-horizon test peeked at this often
    would be far above it)."""
    ever, naive = 0, 0
    for seed in range(200):
        rng = np.random.default_rng(1000 + seed)
        a = rng.gamma(2.0, 15.0, 2000)
        b = rng.gamma(2.0, 15.0, 2000)
        hit = naive_hit = False
        for n in range(200, 2001, 200):
            comparison = compare(estimate_mean(a[:n]), estimate_mean(b[:n]), tau2=9.0, ratio=False)
            hit |= comparison.significant
            naive_hit |= not comparison.low <= 0 <= comparison.high
        ever += hit
        naive += naive_hit
    assert ever / 200 <= 0.07
    assert naive / 200 > ever / 200


def test_ratio_confidence_intervals_cover_the_true_rate() -> None:
    covered = 0
    for seed in range(300):
        rng = np.random.default_rng(seed)
        impressions = rng.poisson(15, 500) + 1
        plays = rng.binomial(impressions, 0.2)
        estimate = estimate_ratio(plays.astype(float), impressions.astype(float))
        covered += estimate.low <= 0.2 <= estimate.high
    assert 0.92 <= covered / 300 <= 0.98


def test_the_always_valid_p_value_falls_as_the_difference_grows() -> None:
    values = [msprt_p_value(diff, 0.01, 0.04) for diff in (0.0, 0.1, 0.3, 0.6)]
    assert values[0] == 1.0
    assert values == sorted(values, reverse=True)
    assert values[-1] < 0.001


def test_empty_and_single_profile_arms_give_no_interval_and_no_verdict() -> None:
    units = _experiment(3, 1, play_p=0.5, minutes=30.0)
    results = analyse(units, ["control", "treatment"])
    for result in results:
        assert not result.comparisons["treatment"].significant
    empty = analyse(units.iloc[0:0], ["control", "treatment"])
    assert all(r.estimates["control"].n == 0 for r in empty)


def test_aa_experiments_over_many_seeds_are_rarely_significant_on_any_metric() -> None:
    flagged = dict.fromkeys(("play_rate", "minutes", "completion", "return_rate"), 0)
    for seed in range(100):
        units = _experiment(500 + seed, 500, play_p=0.10, minutes=30.0)
        for result in analyse(units, ["control", "treatment"]):
            if result.metric.name in flagged:
                flagged[result.metric.name] += result.comparisons["treatment"].significant
    assert all(count <= 7 for count in flagged.values()), flagged
