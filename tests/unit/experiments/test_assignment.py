"""Assignment: deterministic, weighted, behind a permanent holdout shared by every experiment."""

from __future__ import annotations

from collections import Counter

from marquee.config import RecsSettings
from marquee.experiments.assignment import Allocation, in_holdout
from marquee.experiments.definitions import Experiment, Variant


def _experiment(key: str, salt: str, weights: tuple[int, int] = (50, 50)) -> Experiment:
    arms = (Variant("control", weights[0], "default"), Variant("mmr", weights[1], "diverse"))
    return Experiment(key=key, surface="home", salt=salt, variants=arms)


def test_assignment_is_deterministic_and_follows_the_weights() -> None:
    allocation = Allocation.from_settings(RecsSettings(), running=_experiment("e1", "s1", (80, 20)))
    first = [allocation.assign(p) for p in range(5000)]
    assert first == [allocation.assign(p) for p in range(5000)]
    shares = Counter(a.variant for a in first if not a.holdout)
    total = sum(shares.values())
    assert 0.77 < shares["control"] / total < 0.83
    assert {a.config for a in first if a.variant == "mmr"} == {"diverse"}
    assert all(a.experiment == "e1" for a in first if not a.holdout)


def test_the_holdout_is_the_same_profiles_in_every_experiment_and_gets_default() -> None:
    settings = RecsSettings(holdout_percent=5)
    one = Allocation.from_settings(settings, running=_experiment("e1", "salt-a"))
    two = Allocation.from_settings(settings, running=_experiment("e2", "salt-b"))
    held = {p for p in range(20_000) if one.assign(p).holdout}
    assert held == {p for p in range(20_000) if two.assign(p).holdout}
    assert 0.045 < len(held) / 20_000 < 0.055
    assert {one.assign(p).config for p in held} == {"default"}
    # Different salts reshuffle everyone else.
    moved = sum(
        one.assign(p).variant != two.assign(p).variant for p in range(2000) if p not in held
    )
    assert moved > 500


def test_without_a_running_experiment_the_settings_variants_apply() -> None:
    settings = RecsSettings(variants=["a=popular:1"], holdout_percent=0)
    assignment = Allocation.from_settings(settings).assign(7)
    assert (assignment.experiment, assignment.variant, assignment.config) == (None, "a", "popular")
    assert assignment.exposure == {"home": "a"}


def test_exposure_names_the_experiment_or_the_holdout() -> None:
    settings = RecsSettings(holdout_percent=50)
    allocation = Allocation.from_settings(settings, running=_experiment("mmr-test", "x"))
    held = next(p for p in range(100) if in_holdout(p, 50))
    kept = next(p for p in range(100) if not in_holdout(p, 50))
    assert allocation.assign(held).exposure == {"holdout": "home"}
    assert list(allocation.assign(kept).exposure) == ["mmr-test"]


def test_a_zero_holdout_holds_no_one_out() -> None:
    assert not any(in_holdout(p, 0) for p in range(10_000))
