"""The multi-objective ranker: three LightGBM heads, P(play), P(complete | play), P(thumbs | play),
and the blend ``V = w1·P(play) + w2·P(complete) + w3·P(thumbs)`` that orders a page.

``P(complete)`` and ``P(thumbs)`` in the blend are joint: ``P(play) · P(· | play)``, so a title
the profile would love but never start does not lead the row. A head whose labels are all one
class (no thumbs in the data, say) is a constant (its base rate) instead of a model. Saved as
JSON bytes: LightGBM model strings, feature names and the version; no pickle.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

from marquee.recs.errors import InvalidDataError
from marquee.recs.ranking.dataset import LABELS

FloatArray = npt.NDArray[np.float64]
FORMAT_VERSION = 1
MIN_ROWS, MIN_POSITIVES = 50, 5
TEMPORAL, IMPRESSIONS = "temporal", "impressions"  # label sources (``label_sources``)
HOLDOUT = 0.2  # share of profiles held out to measure each head

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    # Small trees, large leaves: a platform's first training sets are small and noisy (on
    # ml-100k these beat 31 leaves of 20 rows by ~0.01–0.04 nDCG@10, see docs/evaluation.md).
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "deterministic": True,  # a rerun over the same data gives the same model (and version)
    "force_row_wise": True,
    "num_threads": 1,
    "seed": 42,
    "verbose": -1,
}


@dataclass(frozen=True)
class BlendWeights:
    """The weights of a serving configuration's blend (``SERVING_CONFIGS[...]["blend"]``)."""

    play: float = 1.0
    complete: float = 0.5
    thumbs: float = 0.3

    def value(self, p_play: FloatArray, p_complete: FloatArray, p_thumbs: FloatArray) -> FloatArray:
        joint = self.complete * p_complete + self.thumbs * p_thumbs
        return np.asarray(self.play * p_play + p_play * joint, dtype=np.float64)


@dataclass
class RankerVersion:
    """What a fitted ranker is: its data snapshot, parameters, inputs and held-out metrics."""

    snapshot_id: str
    params: dict[str, Any]
    rounds: int
    features: list[str]
    rows: int
    positives: dict[str, int]
    metrics: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    cutoff: int = 0
    format: int = FORMAT_VERSION
    # Where each head's labels came from: "temporal" (the proxy) or "impressions" (what the
    # homepage showed); older saved rankers had only the proxy.
    label_sources: dict[str, str] = field(default_factory=lambda: dict.fromkeys(LABELS, TEMPORAL))
    shown_rows: int = 0  # impression-labelled rows the play head learnt from (0: none)


def auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann–Whitney, ties averaged); NaN with one class only."""
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _held_out(profiles: pd.Series) -> npt.NDArray[np.bool_]:
    """A stable ~20 % of profiles, chosen by a hash of the id (independent of row order)."""
    digest = profiles.map(lambda p: hashlib.sha1(str(int(p)).encode()).digest()[0])
    return np.asarray(digest < int(256 * HOLDOUT), dtype=bool)


def _test_rows(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """The held-out profiles' rows; none when that would be every profile or none."""
    test = _held_out(frame["profile_id"])
    if test.all() or not test.any():
        return np.zeros(len(frame), dtype=bool)  # too few profiles to hold any out
    return test


class MultiObjectiveRanker:
    """``fit`` on labelled rows; ``predict`` → P(play), P(complete | play), P(thumbs | play)."""

    def __init__(self, params: dict[str, Any] | None = None, *, rounds: int = 150) -> None:
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.rounds = rounds
        self.version: RankerVersion | None = None
        self._heads: dict[str, lgb.Booster | float] = {}

    @property
    def features(self) -> list[str]:
        return self.version.features if self.version else []

    def fit(
        self,
        frame: pd.DataFrame,
        features: list[str],
        *,
        snapshot_id: str = "",
        cutoff: int = 0,
        shown: pd.DataFrame | None = None,
        labels: str = TEMPORAL,
    ) -> Self:
        """Train every head on ``frame`` (labelled by ``labels``; ``complete`` and ``thumbs`` on
        its played rows). With ``shown`` (impression-labelled rows) the play head learns
        P(play | shown) from those instead; ``auc_play`` stays measured on ``frame``, so the
        promotion gate compares like with like, and ``auc_play_shown`` is measured on ``shown``.
        The play head needs both classes, else ``InvalidDataError``."""
        started = time.perf_counter()
        _check(frame, features)
        play_rows = frame if shown is None else shown
        _check(play_rows, features)
        test, play_test = _test_rows(frame), _test_rows(play_rows)
        played = frame["play"].to_numpy() == 1
        self._heads["play"] = self._fit_head(play_rows, features, "play", ~play_test)
        for label in LABELS[1:]:
            self._heads[label] = self._fit_head(frame, features, label, played & ~test)
        metrics = self._metrics(frame, features, test)
        if shown is not None and play_test.any():
            held = shown[play_test]
            scores = self._head_predict(self._heads["play"], held, features)
            metrics["auc_play_shown"] = auc(held["play"], scores)
        self.version = RankerVersion(
            snapshot_id=snapshot_id,
            params=dict(self.params),
            rounds=self.rounds,
            features=list(features),
            rows=len(frame),
            positives={label: int(frame[label].sum()) for label in LABELS}
            | {"play": int(play_rows["play"].sum())},
            metrics={k: round(v, 5) for k, v in metrics.items() if np.isfinite(v)},
            fit_seconds=round(time.perf_counter() - started, 4),
            cutoff=cutoff,
            label_sources={"play": IMPRESSIONS if shown is not None else labels}
            | dict.fromkeys(LABELS[1:], labels),
            shown_rows=0 if shown is None else len(shown),
        )
        return self

    def _metrics(
        self, frame: pd.DataFrame, features: list[str], test: npt.NDArray[np.bool_]
    ) -> dict[str, float]:
        """Each head's AUC on the held-out profiles' rows of ``frame`` (played rows for the
        conditional heads)."""
        if not test.any():
            return {}
        played = frame["play"].to_numpy() == 1
        metrics = {}
        for label in LABELS:
            held = frame[test if label == "play" else test & played]
            scores = self._head_predict(self._heads[label], held, features)
            metrics[f"auc_{label}"] = auc(held[label], scores)
        return metrics

    def _fit_head(
        self, frame: pd.DataFrame, features: list[str], label: str, rows: npt.NDArray[np.bool_]
    ) -> lgb.Booster | float:
        y = frame[label].to_numpy(np.float64)[rows]
        if label == "play" and (y.size < MIN_ROWS or y.sum() < MIN_POSITIVES or y.min() == 1):
            raise InvalidDataError("ranker", f"too few rows or play positives ({y.size} rows)")
        if y.size == 0 or y.min() == y.max():
            return float(y.mean()) if y.size else 0.5
        data = lgb.Dataset(
            frame[features].to_numpy(np.float64)[rows],
            label=y,
            feature_name=features,
            params={"verbose": -1},
        )
        return lgb.train(self.params, data, num_boost_round=self.rounds)

    @staticmethod
    def _head_predict(
        head: lgb.Booster | float, frame: pd.DataFrame, features: list[str]
    ) -> FloatArray:
        if isinstance(head, float):
            return np.full(len(frame), head, dtype=np.float64)
        if len(frame) == 0:
            return np.zeros(0, dtype=np.float64)
        x = frame[features].to_numpy(np.float64)
        return np.asarray(head.predict(x, num_threads=1), dtype=np.float64)

    def predict(self, frame: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(play), P(complete | play), P(thumbs | play) per row of ``frame``."""
        if self.version is None:
            raise InvalidDataError("ranker", "the ranker is not fitted")
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            raise InvalidDataError("ranker features", f"missing {', '.join(missing)}")
        play, complete, thumbs = (
            self._head_predict(self._heads[label], frame, self.features) for label in LABELS
        )
        return play, complete, thumbs

    def blended(self, frame: pd.DataFrame, weights: BlendWeights) -> FloatArray:
        return weights.value(*self.predict(frame))

    # -- persistence -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        if self.version is None:
            raise InvalidDataError("ranker", "the ranker is not fitted")
        heads = {
            label: {"constant": head}
            if isinstance(head, float)
            else {"model": head.model_to_string()}
            for label, head in self._heads.items()
        }
        return json.dumps({"version": asdict(self.version), "heads": heads}).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> MultiObjectiveRanker:
        try:
            data = json.loads(raw)
            version = RankerVersion(**data["version"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidDataError("ranker", f"not a saved ranker ({exc})") from exc
        if version.format != FORMAT_VERSION:
            raise InvalidDataError("ranker", f"unsupported format {version.format}")
        ranker = cls(version.params, rounds=version.rounds)
        ranker.version = version
        for label in LABELS:
            head = data["heads"][label]
            ranker._heads[label] = (
                float(head["constant"])
                if "constant" in head
                else lgb.Booster(model_str=head["model"])
            )
        return ranker

    def save(self, path: str | Path) -> Path:
        """Write ``ranker.json`` into the folder ``path``; returns the file."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "ranker.json"
        target.write_bytes(self.to_bytes())
        return target

    @classmethod
    def load(cls, path: str | Path) -> MultiObjectiveRanker:
        target = Path(path)
        return cls.from_bytes((target / "ranker.json" if target.is_dir() else target).read_bytes())


def _check(frame: pd.DataFrame, features: list[str]) -> None:
    missing = [c for c in ["profile_id", *LABELS, *features] if c not in frame.columns]
    if missing:
        raise InvalidDataError("ranker training set", f"missing {', '.join(missing)}")
    if not features:
        raise InvalidDataError("ranker training set", "no feature columns")
