"""Cold start: segment priors (popularity from the database), onboarding picks and the rows a
profile gets from them before any precompute has seen it.

Popularity here is computed with one SQL aggregate and cached in process, so it also serves as
the request path's fallback when the online store is down.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from marquee.clock import Clock
from marquee.domain.events import Event, EventType, ItemRef
from marquee.errors import FieldProblem, InvalidInput
from marquee.recs.postrank import Audience, allowed
from marquee.recs.rows import PageInputs
from marquee.services.events import EventsService
from marquee.services.title_cards import TitleCard, TitleCards
from marquee.services.viewers import Viewer
from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, Interaction, OnboardingPick, Profile, Title

MIN_PICKS = 3
MAX_PICKS = 10
CHOICES = 24
POOL = 400
# Segment popularity's weight against the picks' neighbours (both scaled to [0, 1]) for picks
# made outside the onboarding set; picks from that popular set scale it down to 0, since they
# already say how much the profile likes popular titles (``popularity_weight``). Both chosen on
# validation users, ``evaluate-coldstart --protocol strong`` (docs/evaluation.md); it was 1.0.
POPULARITY_WEIGHT = 2.0
Scored = list[tuple[int, float]]


class PopularTitles:
    """Distinct profiles per title (interactions), globally and per segment; newest titles when
    nothing was watched yet. Cached for ``ttl_s``."""

    def __init__(
        self, db: Database, *, ttl_s: float = 60.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._db, self._ttl, self._now = db, ttl_s, monotonic
        self._cache: dict[str, tuple[float, Scored]] = {}
        self._lock = threading.Lock()

    def of(self, segment: str | None = None) -> Scored:
        """``segment`` is ``country|age band``; None is everyone."""
        key = segment or "*"
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > self._now():
                return hit[1]
        found = self._load(segment)
        with self._lock:
            self._cache[key] = (self._now() + self._ttl, found)
        return found

    def _load(self, segment: str | None) -> Scored:
        users = func.count(func.distinct(Interaction.profile_id))
        query = select(Interaction.title_id, users).group_by(Interaction.title_id)
        if segment is not None:
            country, _, band = segment.partition("|")
            query = query.join(Profile, Profile.id == Interaction.profile_id).where(
                Profile.country == country,
                Profile.age_band.is_(None) if band in ("", "-") else Profile.age_band == band,
            )
        with self._db.session() as s:
            counted = s.execute(
                query.order_by(users.desc(), Interaction.title_id).limit(POOL)
            ).all()
            newest = s.execute(
                select(Title.id).order_by(Title.created_at.desc(), Title.id.desc()).limit(POOL)
            ).all()
        scored = [(int(t), float(n)) for t, n in counted]
        have = {t for t, _ in scored}
        # Titles nobody watched yet follow, newest first, so a fresh catalog still has rows.
        return scored + [(int(t), 0.0) for (t,) in newest if t not in have][: POOL - len(scored)]


@dataclass(frozen=True)
class Picks:
    titles: list[int]
    genres: list[str]
    latest: datetime | None


def content_neighbours(
    title_id: int, cards: Mapping[int, TitleCard], pool: Sequence[tuple[int, float]], k: int
) -> Scored:
    """Titles of ``pool`` sharing genres with the title (Jaccard), popularity breaking ties."""
    target = cards.get(title_id)
    if target is None or not target.genres:
        return []
    mine = set(target.genres)
    top = max((s for _, s in pool), default=0.0) or 1.0
    out = []
    for tid, score in pool:
        card = cards.get(tid)
        if tid == title_id or card is None:
            continue
        shared = mine & set(card.genres)
        if shared:
            out.append((tid, len(shared) / len(mine | set(card.genres)) + 0.1 * score / top))
    return sorted(out, key=lambda pair: -pair[1])[:k]


def diverse_popular(pool: Sequence[int], cards: Mapping[int, TitleCard], limit: int) -> list[int]:
    """The onboarding set: ``pool`` (most popular first) taken one first genre at a time."""
    queues: dict[str, list[int]] = {}
    for tid in pool:
        card = cards.get(tid)
        if card is not None:
            queues.setdefault(card.genres[0] if card.genres else "", []).append(tid)
    order: list[int] = []
    while len(order) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(order) < limit:
                order.append(queue.pop(0))
    return order


class ColdStart:
    """Onboarding choices and picks, and the rows picks give right away."""

    def __init__(
        self,
        *,
        db: Database,
        cards: TitleCards,
        popular: PopularTitles,
        events: EventsService,
        clock: Clock,
    ) -> None:
        self._db, self._cards, self._popular = db, cards, popular
        self._events, self._clock = events, clock

    def choices(self, viewer: Viewer, limit: int = CHOICES) -> list[TitleCard]:
        """A diverse popular set: the most popular titles, one genre at a time."""
        pool = self._popular.of(viewer.segment) or self._popular.of()
        cards = self._cards.get(t for t, _ in pool)
        ok = allowed(cards, Audience(viewer.max_level, viewer.country), self._clock())
        return [cards[t] for t in diverse_popular([t for t, _ in pool if ok(t)], cards, limit)]

    def picks(self, profile_id: int) -> Picks:
        with self._db.session() as s:
            rows = s.execute(
                select(OnboardingPick.kind, OnboardingPick.ref, OnboardingPick.created_at)
                .where(OnboardingPick.profile_id == profile_id)
                .order_by(OnboardingPick.id)
            ).all()
        titles = [int(r) for k, r, _ in rows if k == "title" and r.isdigit()]
        genres = [r for k, r, _ in rows if k == "genre"]
        return Picks(titles, genres, max((at for _, _, at in rows), default=None))

    def save(self, viewer: Viewer, *, title_ids: Sequence[int], genres: Sequence[str]) -> Picks:
        """Store the picks (a repeat changes nothing) and publish each title as ``thumbs_up``."""
        titles, slugs = list(dict.fromkeys(title_ids)), list(dict.fromkeys(genres))
        self._check(viewer, titles, slugs)
        now = self._clock()
        with self._db.session() as s:
            have = {
                (kind, ref)
                for kind, ref in s.execute(
                    select(OnboardingPick.kind, OnboardingPick.ref).where(
                        OnboardingPick.profile_id == viewer.profile_id
                    )
                )
            }
            wanted = [("title", str(t)) for t in titles] + [("genre", g) for g in slugs]
            for kind, ref in wanted:
                if (kind, ref) not in have:
                    s.add(
                        OnboardingPick(
                            profile_id=viewer.profile_id, kind=kind, ref=ref, created_at=now
                        )
                    )
        self._events.publish([self._thumbs(viewer, t, now) for t in titles])
        return self.picks(viewer.profile_id)

    def _check(self, viewer: Viewer, titles: list[int], genres: list[str]) -> None:
        problems = []
        if len(titles) + len(genres) < MIN_PICKS:
            problems.append(FieldProblem("body", f"pick at least {MIN_PICKS} titles or genres"))
        if len(titles) + len(genres) > MAX_PICKS:
            problems.append(FieldProblem("body", f"pick at most {MAX_PICKS} titles or genres"))
        cards = self._cards.get(titles)
        for n, tid in enumerate(titles):
            card = cards.get(tid)
            if card is None or card.maturity_level > viewer.max_level:
                problems.append(FieldProblem(f"body.title_ids.{n}", f"no title {tid}"))
        if genres:
            with self._db.session() as s:
                known = set(s.scalars(select(Genre.slug).where(Genre.slug.in_(genres))))
            for n, slug in enumerate(genres):
                if slug not in known:
                    problems.append(FieldProblem(f"body.genres.{n}", f"no genre {slug!r}"))
        if problems:
            raise InvalidInput("the onboarding picks are not valid", problems=problems)

    def _thumbs(self, viewer: Viewer, title_id: int, now: datetime) -> Event:
        return Event(
            event_id=uuid.uuid4().hex,
            type=EventType.THUMBS_UP,
            profile_id=viewer.profile_id,
            session_id="onboarding",
            item=ItemRef(title_id=title_id),
            country=viewer.country,
            client_time=now,
            server_time=now,
            context={"source": "onboarding"},
        )

    def inputs(
        self,
        viewer: Viewer,
        picks: Picks,
        *,
        neighbours: Callable[[int], Scored],
        k: int,
    ) -> PageInputs:
        """Rows from the picks: each pick's neighbours blended with segment popularity."""
        popular = self._popular.of(viewer.segment) or self._popular.of()
        cards = self._cards.get([*picks.titles, *(t for t, _ in popular)])
        return picks_inputs(viewer, picks, popular=popular, cards=cards, neighbours=neighbours, k=k)


def picks_inputs(
    viewer: Viewer,
    picks: Picks,
    *,
    popular: Scored,
    cards: Mapping[int, TitleCard],
    neighbours: Callable[[int], Scored],
    k: int,
    weight: float | None = None,
) -> PageInputs:
    """``ColdStart.inputs`` without the database (offline evaluation uses it too); ``weight``
    of popularity in Top Picks, by default ``popularity_weight``."""
    affinity: dict[str, float] = dict.fromkeys(picks.genres, 1.0)
    for tid in picks.titles:
        for slug in cards[tid].genres if tid in cards else ():
            affinity[slug] = affinity.get(slug, 0.0) + 0.5
    top = max(affinity.values(), default=1.0)
    chosen = set(picks.titles)
    picked = []
    for tid in picks.titles[:3]:
        found = neighbours(tid) or content_neighbours(tid, cards, popular, k)
        picked.append((tid, [(t, s) for t, s in found if t not in chosen]))
    if weight is None:
        weight = popularity_weight(picks.titles, popular, cards)
    blended = _blend([similar for _, similar in picked], _without(popular, chosen), k, weight)
    return PageInputs(
        name=viewer.name,
        # Picks are liked, not watched: they may still show in popular and new rows.
        audience=Audience(viewer.max_level, viewer.country),
        top_picks=blended,
        picked=picked,
        genre_affinity={g: v / top for g, v in affinity.items()},
        segment_top=popular[:k],
    )


def popularity_weight(
    titles: Sequence[int],
    popular: Scored,
    cards: Mapping[int, TitleCard],
    base: float = POPULARITY_WEIGHT,
) -> float:
    """``base`` × the share of the (first three) picks outside the onboarding set that
    ``popular`` gives (before the audience filter ``choices`` applies): picks chosen from that
    popular set get their neighbours first, popularity only filling after them. On validation
    users it beat the previous fixed weight 1 in all six cells (docs/evaluation.md)."""
    chosen = list(titles)[:3]
    if not chosen:
        return base
    shown = set(diverse_popular([t for t, _ in popular], cards, CHOICES))
    return base * sum(t not in shown for t in chosen) / len(chosen)


def _blend(
    lists: Sequence[Scored], popular: Scored, k: int, weight: float = POPULARITY_WEIGHT
) -> Scored:
    """An item-kNN fold-in of the picks (each title's summed similarity to them, scaled to
    [0, 1]) plus ``weight`` × popularity scaled to [0, 1]; popular titles stay candidates at
    weight 0, after the neighbours. On held-out MovieLens users this beat a reciprocal-rank
    blend by 6-17 % nDCG@10 (docs/evaluation.md, cold start)."""
    summed: dict[int, float] = {}
    for similar in lists:
        for tid, similarity in similar:
            summed[tid] = summed.get(tid, 0.0) + max(similarity, 0.0)
    top = max(summed.values(), default=0.0) or 1.0
    score = {tid: value / top for tid, value in summed.items()}
    most = max((n for _, n in popular[: k * 2]), default=0.0) or 1.0
    for tid, n in popular[: k * 2]:
        score[tid] = score.get(tid, 0.0) + weight * n / most
    return sorted(score.items(), key=lambda pair: -pair[1])[:k]


def _without(scored: Scored, ids: set[int]) -> Scored:
    return [(t, s) for t, s in scored if t not in ids]
