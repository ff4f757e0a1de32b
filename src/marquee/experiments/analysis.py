"""Per-variant metrics with 95 % confidence intervals, and each variant against the control
with a sequential test whose p-value stays valid however often the results are looked at.

Metrics (one unit = one exposed profile, see ``outcomes.units``):

* mean metrics (minutes watched, return rate, distinct genres): CI ``mean ± t(0.975, n−1)·s/√n``;
  the difference to the control uses Welch's standard error and Welch–Satterthwaite df;
* ratio metrics (play rate = plays / impressions, completion = completes / plays): the ratio of
  sums with the delta-method variance ``Var(R) ≈ (s²_x − 2R·s_xy + R²·s²_y) / (n·ȳ²)``
  (Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics", KDD 2018), normal CI.

Sequential test: the mixture sequential probability ratio test (mSPRT) with a normal mixture,
from Johari, Koomen, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B
Tests", Operations Research 70(3), 2022 (arXiv:1512.04922), eq. (11)–(13). With the difference
``θ̂ = m_B − m_A``, its variance ``V`` (the sum of the two arms' variances of the mean) and a
mixing distribution ``θ ~ N(0, τ²)`` under the alternative, the likelihood ratio against
``θ = 0`` is::

    Λ = sqrt(V / (V + τ²)) · exp( θ̂² τ² / (2 V (V + τ²)) )

and ``p = min(1, 1/Λ)`` is an always-valid p-value: by Ville's inequality
``P(∃ n: p_n ≤ α) ≤ α`` under the null, so stopping when ``p ≤ α`` at any look keeps the false
positive rate at α (asymptotically, as V is estimated). Inverting it gives the confidence
sequence ``θ̂ ± sqrt( V(V+τ²)/τ² · (2·ln(1/α) + ln((V+τ²)/V)) )``. τ is set per metric to
``TAU_SD`` times the pooled per-profile standard deviation: the effect size the test is tuned to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
TAU_SD = 0.1


@dataclass(frozen=True)
class Metric:
    """``numerator`` per unit, over ``denominator`` per unit when a ratio metric."""

    name: str
    label: str
    numerator: str
    denominator: str | None = None


METRICS = (
    Metric("play_rate", "Plays per impression", "plays", "impressions"),
    Metric("minutes", "Minutes watched per profile", "minutes"),
    Metric("completion", "Completion rate", "completes", "plays"),
    Metric("return_rate", "Return rate (active on 2+ days)", "returned"),
    Metric("diversity", "Distinct genres played per profile", "genres"),
)


@dataclass(frozen=True)
class Estimate:
    """A variant's value with its 95 % confidence interval; ``n`` profiles."""

    value: float
    low: float
    high: float
    n: int
    variance: float  # of the estimate


@dataclass(frozen=True)
class Comparison:
    """A variant minus the control: fixed-horizon 95 % CI, confidence sequence, always-valid p."""

    diff: float
    low: float
    high: float
    seq_low: float
    seq_high: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class MetricResult:
    metric: Metric
    estimates: dict[str, Estimate]
    comparisons: dict[str, Comparison]


def estimate_mean(values: np.ndarray) -> Estimate:
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, math.nan)
    mean = float(values.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n, math.nan)
    variance = float(values.var(ddof=1)) / n
    half = float(stats.t.ppf(0.975, n - 1)) * math.sqrt(variance)
    return Estimate(mean, mean - half, mean + half, n, variance)


def estimate_ratio(num: np.ndarray, den: np.ndarray) -> Estimate:
    n = len(num)
    total = float(den.sum())
    if n == 0 or total <= 0:
        return Estimate(math.nan, math.nan, math.nan, n, math.nan)
    ratio = float(num.sum()) / total
    if n < 2:
        return Estimate(ratio, math.nan, math.nan, n, math.nan)
    cov = np.cov(num, den, ddof=1)
    mean_den = total / n
    variance = (cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]) / (n * mean_den**2)
    half = float(stats.norm.ppf(0.975)) * math.sqrt(max(float(variance), 0.0))
    return Estimate(ratio, ratio - half, ratio + half, n, max(float(variance), 0.0))


def msprt_p_value(diff: float, variance: float, tau2: float) -> float:
    """``min(1, 1/Λ)`` of the normal-mixture SPRT (see the module docstring)."""
    if not (variance > 0 and tau2 > 0) or math.isnan(diff):
        return 1.0
    log_lr = 0.5 * math.log(variance / (variance + tau2))
    log_lr += diff**2 * tau2 / (2 * variance * (variance + tau2))
    return float(min(1.0, math.exp(-log_lr)))


def confidence_sequence(diff: float, variance: float, tau2: float, alpha: float) -> float:
    """Half-width of the always-valid (1 − α) confidence sequence at this look."""
    if not (variance > 0 and tau2 > 0):
        return math.nan
    scale = variance * (variance + tau2) / tau2
    return math.sqrt(scale * (2 * math.log(1 / alpha) + math.log((variance + tau2) / variance)))


def compare(
    control: Estimate, variant: Estimate, *, tau2: float, ratio: bool, alpha: float = ALPHA
) -> Comparison:
    diff = variant.value - control.value
    variance = variant.variance + control.variance
    if math.isnan(variance) or variance <= 0:
        nan = math.nan
        return Comparison(diff, nan, nan, nan, nan, 1.0, False)
    quantile = (
        stats.norm.ppf(1 - alpha / 2)
        if ratio
        else stats.t.ppf(1 - alpha / 2, _welch_df(control, variant))
    )
    half = float(quantile) * math.sqrt(variance)
    seq = confidence_sequence(diff, variance, tau2, alpha)
    p = msprt_p_value(diff, variance, tau2)
    return Comparison(diff, diff - half, diff + half, diff - seq, diff + seq, p, p <= alpha)


def _welch_df(a: Estimate, b: Estimate) -> float:
    top = (a.variance + b.variance) ** 2
    bottom = a.variance**2 / max(a.n - 1, 1) + b.variance**2 / max(b.n - 1, 1)
    return top / bottom if bottom > 0 else 1.0


def analyse(
    units: pd.DataFrame, variants: Sequence[str], *, alpha: float = ALPHA, tau_sd: float = TAU_SD
) -> list[MetricResult]:
    """Every metric of ``METRICS`` per variant (``variants[0]`` is the control)."""
    frame = units.assign(returned=(units["days"] >= 2).astype("float64"))
    groups = {v: frame[frame["variant"] == v] for v in variants}
    results = []
    for metric in METRICS:
        estimates = {v: _estimate(metric, g) for v, g in groups.items()}
        control = estimates[variants[0]]
        tau2 = (tau_sd * _pooled_sd(estimates.values())) ** 2
        comparisons = {
            v: compare(control, e, tau2=tau2, ratio=metric.denominator is not None, alpha=alpha)
            for v, e in estimates.items()
            if v != variants[0]
        }
        results.append(MetricResult(metric, estimates, comparisons))
    return results


def _estimate(metric: Metric, group: pd.DataFrame) -> Estimate:
    num = group[metric.numerator].to_numpy(dtype="float64")
    if metric.denominator is None:
        return estimate_mean(num)
    return estimate_ratio(num, group[metric.denominator].to_numpy(dtype="float64"))


def _pooled_sd(estimates: Iterable[Estimate]) -> float:
    """The per-profile standard deviation implied by the arms' variances of the estimate."""
    usable = [e for e in estimates if e.n > 1 and e.variance > 0]
    if not usable:
        return 0.0
    total = sum(e.n for e in usable)
    return math.sqrt(sum(e.variance * e.n * e.n for e in usable) / total)
