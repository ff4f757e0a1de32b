"""More Like This: item-kNN neighbours (from the precompute) blended with content neighbours,
filtered for the profile and re-ordered by its taste."""

from __future__ import annotations

import time

from marquee.clock import Clock
from marquee.errors import NotFound
from marquee.recs.coldstart import PopularTitles, content_neighbours
from marquee.recs.guard import Unreachable
from marquee.recs.postrank import Audience, allowed
from marquee.recs.ranking.taste import TasteSource
from marquee.recs.served import ServedItem
from marquee.recs.serving import HomeService
from marquee.services.title_cards import TitleCards

KNN_WEIGHT, CONTENT_WEIGHT, TASTE_WEIGHT = 1.0, 0.6, 0.3
POOL = 100


class SimilarService:
    def __init__(
        self,
        *,
        home: HomeService,
        cards: TitleCards,
        popular: PopularTitles,
        taste: TasteSource,
        clock: Clock,
    ) -> None:
        self._home, self._cards, self._popular = home, cards, popular
        self._taste, self._clock = taste, clock

    def similar(
        self, *, account_id: int, profile_id: int, title_id: int, limit: int = 20
    ) -> list[ServedItem]:
        """Titles like ``title_id`` this profile may watch, best first. A title the profile may
        not see is not found (the same answer as a missing one)."""
        started = time.perf_counter()
        viewer = self._home.viewer(account_id=account_id, profile_id=profile_id)
        now = self._clock()
        target = self._cards.get([title_id]).get(title_id)
        audience = Audience(viewer.max_level, viewer.country, frozenset({title_id}))
        if target is None or target.maturity_level > viewer.max_level:
            raise NotFound(f"no title {title_id}")
        try:
            pointer = self._home.pointer()
        except Unreachable:
            pointer = None
        knn = self._home.neighbours(pointer.version if pointer else None, title_id)
        pool = self._popular.of()
        cards = self._cards.get([title_id, *(t for t, _ in pool), *(t for t, _ in knn)])
        content = content_neighbours(title_id, cards, pool, POOL)
        scores: dict[int, float] = {}
        for weight, found in ((KNN_WEIGHT, knn), (CONTENT_WEIGHT, content)):
            top = max((s for _, s in found), default=0.0) or 1.0
            for tid, score in found:
                scores[tid] = scores.get(tid, 0.0) + weight * score / top
        taste = self._taste.of(viewer.profile_id)
        ok = allowed(cards, audience, now)
        ranked = sorted(
            (
                (s + TASTE_WEIGHT * taste.score(cards[t].genres), t)
                for t, s in scores.items()
                if ok(t)
            ),
            reverse=True,
        )
        why = f"More like {target.name}"
        self._home.metrics.latency.labels("similar").observe(time.perf_counter() - started)
        return [ServedItem(cards[t], why) for _, t in ranked[:limit]]
