"""Post-ranking: filters, diversity, business rules, exploration and deduplication across rows.

Everything here is pure: it works on ranked ``Pick`` lists and the few title facts it needs
(``ItemInfo``, which ``services.title_cards.TitleCard`` satisfies), so precompute and the
request path apply exactly the same rules.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple, Protocol

import numpy as np

NEW_FOR_YOU = "New for you"


class ItemInfo(Protocol):
    """What post-ranking reads of a title."""

    @property
    def genres(self) -> tuple[str, ...]: ...

    @property
    def maturity_level(self) -> int: ...

    def available_in(self, country: str, now: datetime) -> bool: ...

    def released_on(self) -> datetime | date: ...


class Pick(NamedTuple):
    """A title in a row, its score (higher is better) and why it is there. (A named tuple, not
    a frozen dataclass: precompute builds thousands a page, and a tuple is ~4x cheaper to make.)"""

    title_id: int
    score: float
    reason: str


@dataclass(frozen=True)
class Audience:
    """Who the list is for: the hard filters."""

    max_level: int
    country: str  # empty: any country (segment lists, filtered again when served)
    blocked: frozenset[int] = frozenset()  # completed titles and exclusions


@dataclass(frozen=True)
class Rules:
    """The tunable rules of a serving configuration (defaults: settings ``[recs]``)."""

    row_length: int = 20
    exploration: float = 0.1
    diversity: Literal["mmr", "genre_cap", "none"] = "mmr"
    mmr_lambda: float = 0.7
    genre_cap: int = 6
    new_release_days: int = 90
    new_release_boost: float = 0.15
    genre_rows: int = 8  # candidate genre rows, from the profile's favourite genres


def allowed(
    info: Mapping[int, ItemInfo], audience: Audience, now: datetime
) -> Callable[[int], bool]:
    """A predicate: the title exists, suits the profile's maturity, is available in its
    country and is neither completed nor excluded."""

    def check(title_id: int) -> bool:
        card = info.get(title_id)
        return (
            card is not None
            and title_id not in audience.blocked
            and card.maturity_level <= audience.max_level
            and (not audience.country or card.available_in(audience.country, now))
        )

    return check


def keep(
    picks: Iterable[Pick], ok: Callable[[int], bool], *, limit: int | None = None
) -> list[Pick]:
    """The picks that pass ``ok``, first occurrence of each title only (the first ``limit``)."""
    seen: set[int] = set()
    out: list[Pick] = []
    for pick in picks:
        if pick.title_id not in seen and ok(pick.title_id):
            seen.add(pick.title_id)
            out.append(pick)
            if len(out) == limit:
                break
    return out


def _released(card: ItemInfo) -> date:
    released = card.released_on()
    return released.date() if isinstance(released, datetime) else released


def boost_new(
    picks: Sequence[Pick], info: Mapping[int, ItemInfo], now: datetime, rules: Rules
) -> list[Pick]:
    """Lift new releases (out within ``new_release_days``) by ``new_release_boost`` of the
    list's best score, then re-sort."""
    if not picks or rules.new_release_boost <= 0:
        return list(picks)
    lift = rules.new_release_boost * (max(abs(p.score) for p in picks) or 1.0)
    today = now.date()
    since = today - timedelta(days=rules.new_release_days)
    lifted = []
    for p in picks:
        card = info.get(p.title_id)
        new = card is not None and since <= _released(card) <= today
        lifted.append(Pick(p.title_id, p.score + lift, p.reason) if new else p)
    return sorted(lifted, key=lambda p: -p.score)


def diversify(picks: Sequence[Pick], info: Mapping[int, ItemInfo], rules: Rules) -> list[Pick]:
    """``row_length`` picks: MMR over genre overlap, per-genre caps, or the top as ranked."""
    k = rules.row_length
    if rules.diversity == "mmr":
        return _mmr(picks, info, k, rules.mmr_lambda)
    if rules.diversity == "genre_cap":
        return _genre_cap(picks, info, k, rules.genre_cap)
    return list(picks[:k])


def _mmr(picks: Sequence[Pick], info: Mapping[int, ItemInfo], k: int, lam: float) -> list[Pick]:
    # Relevance is rescaled to [0, 1] so lambda trades it evenly against genre overlap (Jaccard
    # of genre sets). Each candidate's largest overlap with what is chosen is kept up to date,
    # and the pool's overlaps are one matrix product: precompute runs this for every row of
    # every profile, where a Python loop over pairs was most of a page's build time.
    pool = list(picks[: k * 4])
    if not pool:
        return []
    scores = np.array([p.score for p in pool])
    span = (scores.max() - scores.min()) or 1.0
    value = lam * (scores - scores.min()) / span
    jaccard = _jaccard([_genres(info, p.title_id) for p in pool])
    overlap = np.zeros(len(pool))
    gone = np.zeros(len(pool), dtype=bool)
    chosen: list[Pick] = []
    while len(chosen) < min(k, len(pool)):
        best = int(np.argmax(np.where(gone, -np.inf, value - (1 - lam) * overlap)))
        gone[best] = True
        chosen.append(pool[best])
        np.maximum(overlap, jaccard[best], out=overlap)
    return chosen


def _jaccard(genres: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Pairwise Jaccard similarity of genre sets (0 where either set is empty)."""
    bits = [_genre_bits(gs) for gs in genres]
    if max(bits, default=0) < 1 << 64:
        # Each set is one machine word: intersection and union sizes are popcounts.
        words = np.array(bits, dtype=np.uint64)
        shared = np.bitwise_count(words[:, None] & words[None, :]).astype(np.float64)
        union = np.bitwise_count(words[:, None] | words[None, :]).astype(np.float64)
    else:  # more than 64 genre names seen: one column per genre
        names: dict[str, int] = {}
        cells = [(r, names.setdefault(g, len(names))) for r, gs in enumerate(genres) for g in gs]
        member = np.zeros((len(genres), max(len(names), 1)))
        if cells:
            member[tuple(np.array(cells).T)] = 1.0
        shared = member @ member.T
        sizes = member.sum(axis=1)
        union = sizes[:, None] + sizes[None, :] - shared
    out: np.ndarray = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    return out


_GENRE_BIT: dict[str, int] = {}  # genre name → bit, in the order names were first seen
_GENRE_BIT_LOCK = threading.Lock()


@lru_cache(maxsize=4096)
def _genre_bits(genres: tuple[str, ...]) -> int:
    """A genre set as the bits of the names in it (the mapping is process-wide and only grows,
    so equal sets always get equal bits)."""
    out = 0
    for name in genres:
        bit = _GENRE_BIT.get(name)
        if bit is None:
            with _GENRE_BIT_LOCK:  # two threads must not give two new names one bit
                bit = _GENRE_BIT.setdefault(name, len(_GENRE_BIT))
        out |= 1 << bit
    return out


def _genre_cap(picks: Sequence[Pick], info: Mapping[int, ItemInfo], k: int, cap: int) -> list[Pick]:
    counts: Counter[str] = Counter()
    chosen: list[Pick] = []
    spill: list[Pick] = []
    for pick in picks:
        genres = _genres(info, pick.title_id)
        if any(counts[g] >= cap for g in genres):
            spill.append(pick)
            continue
        counts.update(genres)
        chosen.append(pick)
        if len(chosen) == k:
            return chosen
    # A short row is worse than a repetitive one: fill from what the caps held back.
    return chosen + spill[: k - len(chosen)]


def _genres(info: Mapping[int, ItemInfo], title_id: int) -> tuple[str, ...]:
    card = info.get(title_id)
    return card.genres if card is not None else ()


def explore(
    picks: Sequence[Pick], fresh: Sequence[int], rules: Rules, *, seed: int = 0
) -> list[Pick]:
    """Give ``exploration`` of the row's slots to titles it would not show (``fresh``, newest
    first), spread over the row from the third slot on; the row keeps its length."""
    k = min(rules.row_length, len(picks) + len(fresh))
    slots = round(k * rules.exploration)
    shown = {p.title_id for p in picks}
    extra = [t for t in fresh if t not in shown][:slots]
    if not extra:
        return list(picks[:k])
    base = list(picks[: k - len(extra)])
    step = max(1, k // len(extra))
    for n, title_id in enumerate(extra):
        # Positions 2, 2+step, ... vary a little per profile so the same slot is not always new.
        at = min(len(base), 2 + n * step + (seed + n) % max(1, step // 2))
        base.insert(at, Pick(title_id, 0.0, NEW_FOR_YOU))
    return base


def apply_pins(picks: Sequence[Pick], pins: Sequence[tuple[int, int]], reason: str) -> list[Pick]:
    """Put each pinned title (id, position) at its position, moving it if it was elsewhere."""
    out = list(picks)
    # A finite score above the row's best (rows are stored as JSON, which has no infinity).
    score = max((p.score for p in out), default=0.0) + 1.0
    for title_id, position in sorted(pins, key=lambda pin: pin[1]):
        out = [p for p in out if p.title_id != title_id]
        out.insert(min(max(position, 0), len(out)), Pick(title_id, score, reason))
    return out


def dedup_rows(
    rows: Sequence[tuple[str, Sequence[Pick]]], *, min_length: int, exempt: frozenset[str]
) -> list[tuple[str, list[Pick]]]:
    """Each title once on the page, in the row that comes first; rows left shorter than
    ``min_length`` go. Rows in ``exempt`` (Continue Watching, My List) keep everything."""
    seen: set[int] = set()
    out: list[tuple[str, list[Pick]]] = []
    for key, picks in rows:
        if key in exempt:
            kept = list(picks)
        else:
            kept = [p for p in picks if p.title_id not in seen]
            if len(kept) < min_length:
                continue
        seen.update(p.title_id for p in kept)
        out.append((key, kept))
    return out
