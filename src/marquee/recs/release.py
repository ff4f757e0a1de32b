"""From a fitted Top Picks model (and ranker) to the one that serves: measure, register,
promote (gated).

Precompute calls :func:`release_top` after fitting. The new model is scored on a quick holdout
(``evaluation/holdout.py``), registered as a version of ``top-picks`` and offered for promotion.
When the gate refuses it, the promoted version is loaded from the registry and serves instead,
unless it can no longer be used (a title it knows left the catalog, or its artefact is unreadable):
then the new model serves, unpromoted, and the release says why.

The ranker goes the same way under the name ``ranker``, gated on its held-out AUC per head; a
refused ranker gives way to the promoted one when that scores the same feature columns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from marquee.config import RecsSettings
from marquee.recs.candidates import make_model
from marquee.recs.candidates.base import Recommender
from marquee.recs.data import IdMap, from_events
from marquee.recs.errors import InvalidDataError, PromotionRefused
from marquee.recs.evaluation.holdout import holdout_metrics
from marquee.recs.precompute_data import HomeData
from marquee.recs.ranking.ranker import MultiObjectiveRanker
from marquee.recs.ranking.training import PageRanker
from marquee.recs.registry import ModelRegistry

log = logging.getLogger(__name__)

TOP_PICKS = "top-picks"
RANKER = "ranker"
# The ranker's gate: held-out AUC of each head (higher is better), set by MultiObjectiveRanker.fit.
RANKER_GATE = ("auc_play", "auc_complete", "auc_thumbs")
# Versions kept per name besides the promoted one (a dense model can weigh hundreds of MB).
KEEP_VERSIONS = 5


@dataclass(frozen=True)
class Release:
    """What this run registered and what serves; ``refused`` holds the gate's reasons."""

    name: str
    candidate: str
    serving: str
    refused: list[str]
    note: str = ""

    @property
    def promoted(self) -> bool:
        return self.serving == self.candidate and not self.refused

    def describe(self) -> str:
        if self.promoted:
            return f"{self.name} {self.candidate} promoted and serving"
        why = "; ".join(self.refused)
        if self.serving == self.candidate:
            return f"{self.name} {self.candidate} refused ({why}); serving it anyway: {self.note}"
        return f"{self.name} {self.candidate} refused ({why}); serving promoted {self.serving}"


def release_top(
    registry: ModelRegistry, model: Recommender, data: HomeData, settings: RecsSettings
) -> tuple[Release, Recommender]:
    """Register ``model`` with its holdout metrics, try to promote it; return what serves."""
    snapshot = from_events(data.events, items=data.items)
    measured = holdout_metrics(
        lambda: make_model(settings.candidate_model, item_text=data.item_text),
        snapshot,
        metrics=registry.metrics,
    )
    entry = registry.register_model(TOP_PICKS, model, metrics=measured)
    registry.prune(TOP_PICKS, keep=KEEP_VERSIONS)
    try:
        registry.promote(TOP_PICKS, entry.version)
    except PromotionRefused as refused:
        return _fall_back(registry, entry.version, refused.regressions, model, data.items)
    return Release(TOP_PICKS, entry.version, entry.version, []), model


def _fall_back(
    registry: ModelRegistry, version: str, reasons: list[str], model: Recommender, items: IdMap
) -> tuple[Release, Recommender]:
    pointer = registry.promoted(TOP_PICKS)
    assert pointer is not None  # the gate refuses only against a promoted version
    try:
        previous = registry.load_model(TOP_PICKS, pointer.version)
    except InvalidDataError as exc:
        note = f"promoted {pointer.version} cannot be loaded ({exc})"
        return _unpromoted(version, reasons, note), model
    if not np.isin(previous.items.raw, items.raw).all():
        note = f"promoted {pointer.version} knows titles no longer in the catalog"
        return _unpromoted(version, reasons, note), model
    log.warning(
        "top-picks %s refused (%s); serving %s", version, "; ".join(reasons), pointer.version
    )
    return Release(TOP_PICKS, version, pointer.version, reasons), previous


def _unpromoted(version: str, reasons: list[str], note: str, name: str = TOP_PICKS) -> Release:
    log.warning("%s %s refused (%s); serving it anyway: %s", name, version, reasons, note)
    return Release(name, version, version, reasons, note)


def release_ranker(registry: ModelRegistry, ranker: PageRanker) -> tuple[Release, PageRanker]:
    """Register the ranker with its held-out AUCs, try to promote it; return what serves."""
    fitted = ranker.model.version
    if fitted is None:
        raise InvalidDataError(RANKER, "the ranker is not fitted")
    params = {k: v for k, v in fitted.params.items() if isinstance(v, int | float | str | bool)}
    entry = registry.register(
        name=RANKER,
        artefact=ranker.model.to_bytes(),
        snapshot=fitted.snapshot_id,
        params={
            **params,
            "rounds": fitted.rounds,
            "features": len(fitted.features),
            # Which labels each head learnt from ("temporal" or "impressions"): shown by
            # `marquee models show ranker VERSION`.
            **{f"labels_{head}": source for head, source in fitted.label_sources.items()},
        },
        metrics=fitted.metrics,
        kind="ranker:lightgbm",
    )
    registry.prune(RANKER, keep=KEEP_VERSIONS)
    try:
        registry.promote(
            RANKER, entry.version, gate=ranker_gate(registry, fitted.label_sources["play"])
        )
    except PromotionRefused as refused:
        return _ranker_fall_back(registry, entry.version, refused.regressions, ranker)
    return Release(RANKER, entry.version, entry.version, []), ranker


def ranker_gate(registry: ModelRegistry, labels_play: str) -> tuple[str, ...]:
    """The heads' held-out AUCs, compared like with like. ``auc_play`` is measured on temporal
    rows, ``auc_play_shown`` on impression rows: a play head is gated on the one matching its
    labels, and not at all when its label source differs from the promoted ranker's (an
    impression-trained head scoring lower on the temporal proxy is no regression)."""
    others = tuple(m for m in RANKER_GATE if m != "auc_play")
    pointer = registry.promoted(RANKER)
    if pointer is None:
        return RANKER_GATE
    before = registry.get(RANKER, pointer.version).params.get("labels_play", "temporal")
    if before != labels_play:
        return others
    return ("auc_play_shown" if labels_play == "impressions" else "auc_play", *others)


def _ranker_fall_back(
    registry: ModelRegistry, version: str, reasons: list[str], ranker: PageRanker
) -> tuple[Release, PageRanker]:
    pointer = registry.promoted(RANKER)
    assert pointer is not None  # the gate refuses only against a promoted version
    try:
        previous = MultiObjectiveRanker.from_bytes(registry.artefact(RANKER, pointer.version))
    except (InvalidDataError, ValueError, KeyError) as exc:
        return _unpromoted(
            version, reasons, f"promoted {pointer.version} unreadable ({exc})", RANKER
        ), ranker
    current = ranker.model.version
    if previous.version is None or current is None or previous.version.features != current.features:
        note = f"promoted {pointer.version} scores other feature columns"
        return _unpromoted(version, reasons, note, RANKER), ranker
    log.warning("ranker %s refused (%s); serving %s", version, "; ".join(reasons), pointer.version)
    return Release(RANKER, version, pointer.version, reasons), replace(ranker, model=previous)
