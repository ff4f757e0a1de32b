"""Deterministic assignment: a hash of (salt, profile) picks a bucket of the variants' weights.

A permanent holdout comes first: a hash of a fixed salt (never an experiment's) and the profile
puts ``holdout_percent`` of profiles aside for good. They get the ``default`` configuration in
every experiment, so the long-run effect of all experiments together can be measured against
them. Pure; ``ExperimentService`` caches the running experiments this reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from marquee.config import RecsSettings
from marquee.experiments.definitions import HOLDOUT, Experiment, Variant
from marquee.recs.rows import parse_variants

HOLDOUT_SALT = "marquee-permanent-holdout"  # fixed: changing it reshuffles the holdout
DEFAULT_CONFIG = "default"
_SCALE = 10_000  # holdout resolution: 0.01 %


@dataclass(frozen=True)
class Assignment:
    """Where a profile lands on a surface. ``experiment`` is None when the variants come from
    the settings (no experiment running); ``holdout`` profiles are in no experiment."""

    surface: str
    experiment: str | None
    variant: str
    config: str
    holdout: bool = False

    @property
    def exposure(self) -> dict[str, str]:
        """The ``experiments`` field of this page's impressions: ``{experiment key: variant}``
        (the surface stands in for the key when the settings' variants apply), and
        ``{"holdout": surface}`` for the holdout."""
        if self.holdout:
            return {HOLDOUT: self.surface}
        return {self.experiment or self.surface: self.variant}


def bucket(salt: str, profile_id: int, buckets: int) -> int:
    """A uniform, stable bucket in ``[0, buckets)`` for this salt and profile."""
    digest = hashlib.sha256(f"{salt}:{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def in_holdout(profile_id: int, percent: float) -> bool:
    return bucket(HOLDOUT_SALT, profile_id, _SCALE) < round(percent * _SCALE / 100)


def pick(variants: Sequence[Variant], salt: str, profile_id: int) -> Variant:
    """The variant whose share of the weights holds this profile's bucket."""
    point = bucket(salt, profile_id, sum(v.weight for v in variants))
    for variant in variants:
        if point < variant.weight:
            return variant
        point -= variant.weight
    return variants[-1]


@dataclass(frozen=True)
class Allocation:
    """How a surface's profiles are split now: the running experiment (or None, then the
    settings' variants) behind the permanent holdout. Immutable and picklable, so a batch job
    takes one snapshot and hands it to its workers."""

    surface: str
    running: Experiment | None
    fallback: tuple[Variant, ...]
    fallback_salt: str
    holdout_percent: float

    @classmethod
    def from_settings(
        cls, settings: RecsSettings, surface: str = "home", running: Experiment | None = None
    ) -> Allocation:
        fallback = tuple(settings_variants(settings.variants))
        return cls(surface, running, fallback, settings.experiment_salt, settings.holdout_percent)

    def assign(self, profile_id: int) -> Assignment:
        """The running experiment's variant, else the settings'; the holdout comes first."""
        if in_holdout(profile_id, self.holdout_percent):
            return Assignment(self.surface, None, HOLDOUT, DEFAULT_CONFIG, holdout=True)
        if self.running is not None:
            chosen = pick(self.running.variants, self.running.salt, profile_id)
            return Assignment(self.surface, self.running.key, chosen.name, chosen.config)
        chosen = pick(self.fallback, self.fallback_salt, profile_id)
        return Assignment(self.surface, None, chosen.name, chosen.config)

    def fingerprint(self) -> str:
        """Changes whenever any profile's configuration could change (precompute versions)."""
        running = self.running
        arms = running.variants if running else self.fallback
        salt = running.salt if running else self.fallback_salt
        return f"{salt}|{self.holdout_percent}|" + ",".join(
            f"{v.name}={v.config}:{v.weight}" for v in arms
        )


class Assigner(Protocol):
    """What the request path needs: an assignment per request, and its outcome (guardrails)."""

    def assign(self, surface: str, profile_id: int) -> Assignment: ...

    def cached(self, surface: str, profile_id: int) -> Assignment | None:
        """``assign`` when it needs no I/O (the running experiments are fresh), else None."""
        ...

    def started(self, assignment: Assignment) -> None: ...

    def observe(self, assignment: Assignment, seconds: float) -> None: ...


@dataclass(frozen=True)
class StaticAssigner:
    """An ``Assigner`` over one fixed allocation (no experiments database), observing nothing."""

    allocation: Allocation

    def assign(self, surface: str, profile_id: int) -> Assignment:
        return self.allocation.assign(profile_id)

    def cached(self, surface: str, profile_id: int) -> Assignment | None:
        return self.allocation.assign(profile_id)

    def started(self, assignment: Assignment) -> None:
        return None

    def observe(self, assignment: Assignment, seconds: float) -> None:
        return None


def settings_variants(entries: Sequence[str]) -> list[Variant]:
    """``recs.variants`` (``"name=config:weight"``) as variants; bad entries are skipped."""
    return [Variant(name, weight, config) for name, config, weight in parse_variants(entries)]
