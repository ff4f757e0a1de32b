"""Non-personalised sources: popularity (global or per segment) and time-decayed trending."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from marquee.recs.candidates.base import FloatArray, IntArray, ParamValue, Recommender, State
from marquee.recs.data import SECONDS_PER_DAY, Interactions


class Popularity(Recommender):
    """Items by number of users; with ``per_segment`` each segment (country × age band) ranks
    by its own counts, global counts breaking ties, and small segments fall back to global."""

    name = "popularity"

    def __init__(self, *, per_segment: bool = False, min_segment_users: int = 20) -> None:
        super().__init__(per_segment=per_segment, min_segment_users=min_segment_users)
        self.per_segment = per_segment
        self.min_segment_users = min_segment_users
        self._segments = np.zeros(0, dtype=np.int64)  # sorted segment codes with own counts
        self._segment_pop = np.zeros((0, 0), dtype=np.float32)
        self._user_segment = np.zeros(0, dtype=np.int64)

    def _fit(self, interactions: Interactions) -> None:
        segments = interactions.user_segments
        if not self.per_segment or segments is None:
            return
        self._user_segment = segments.astype(np.int64)
        codes, inverse, sizes = np.unique(segments, return_inverse=True, return_counts=True)
        member = sp.csr_matrix(
            (np.ones(segments.shape[0], dtype=np.float32), (inverse, np.arange(segments.shape[0]))),
            shape=(codes.shape[0], segments.shape[0]),
        )
        counts = np.asarray((member @ (interactions.matrix > 0)).todense(), dtype=np.float32)
        big = (sizes >= self.min_segment_users) & (codes >= 0)
        self._segments, self._segment_pop = codes[big], counts[big]

    def _rows(self, user_ids: IntArray) -> FloatArray:
        scores = np.tile(self._popularity, (user_ids.shape[0], 1))
        if self._segments.size == 0:
            return scores
        known = (user_ids >= 0) & (user_ids < self._user_segment.shape[0])
        codes = np.where(known, self._user_segment[np.where(known, user_ids, 0)], -1)
        pos = np.minimum(np.searchsorted(self._segments, codes), self._segments.shape[0] - 1)
        own = known & (self._segments[pos] == codes)
        # Global counts, scaled below 1, only break ties between equal segment counts.
        tie = self._popularity / (self._popularity.max() + 1.0)
        scores[own] = self._segment_pop[pos[own]] + tie
        return scores

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        return self._rows(user_ids)

    def _cold_scores(self, user_ids: IntArray) -> FloatArray:
        return self._rows(user_ids)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.tile(self._popularity, (item_ids.shape[0], 1))

    def _state(self) -> State:
        return {
            "segments": self._segments,
            "segment_pop": self._segment_pop,
            "user_segment": self._user_segment,
        }

    def _restore(self, state: State) -> None:
        self._segments = state["segments"]
        self._segment_pop = state["segment_pop"]
        self._user_segment = state["user_segment"]


class Trending(Recommender):
    """Items by interactions weighted ``0.5 ** (age / half_life)``; age from ``now`` (seconds,
    default the latest interaction in the snapshot)."""

    name = "trending"
    search_space: ClassVar[dict[str, list[ParamValue]]] = {
        "half_life_days": [3.0, 14.0, 60.0, 365.0]
    }

    def __init__(self, *, half_life_days: float = 14.0, now: int | None = None) -> None:
        super().__init__(half_life_days=half_life_days, now=now)
        self.half_life_days = half_life_days
        self.now = now
        self._trend = np.zeros(0, dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        stamps = interactions.timestamps
        now = self.now if self.now is not None else int(stamps.max(initial=0))
        age = np.maximum(now - stamps, 0) / (self.half_life_days * SECONDS_PER_DAY)
        weights = np.power(0.5, age)
        items = interactions.matrix.indices
        trend = np.bincount(items, weights=weights, minlength=interactions.n_items)
        # Plain popularity, scaled below the smallest weight step, orders items of equal trend.
        self._trend = (trend + 1e-6 * self._popularity).astype(np.float32)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        return np.tile(self._trend, (user_ids.shape[0], 1))

    def _cold_scores(self, user_ids: IntArray) -> FloatArray:
        return np.broadcast_to(self._trend, (user_ids.shape[0], self.n_items))

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.tile(self._trend, (item_ids.shape[0], 1))

    def _state(self) -> State:
        return {"trend": self._trend}

    def _restore(self, state: State) -> None:
        self._trend = state["trend"]
