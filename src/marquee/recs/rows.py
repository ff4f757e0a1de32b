"""Homepage assembly: the rows of a page, their explanations, post-ranking and row order.

Pure: precompute feeds it candidate lists from the models, the request path feeds it lists
read back or built from the fallback chain. Serving configurations (what an experiment variant
selects) are named here, as data over ``postrank.Rules``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson

from marquee.recs.postrank import (
    Audience,
    ItemInfo,
    Pick,
    Rules,
    allowed,
    apply_pins,
    boost_new,
    dedup_rows,
    diversify,
    explore,
    keep,
)

MIN_ROW = 2  # a row left shorter than this by deduplication goes
VISIBLE = 6  # titles a row shows before any scrolling: what its predicted engagement reads
# How far the profile's own ranking (Top Picks) reorders a row's candidates (against the row's
# own score scaled to [0, 1]) and lifts a row up the page; chosen on ml-100k, see
# docs/evaluation.md "Whole-page evaluation".
PERSONAL_WEIGHT = 3.0
ENGAGEMENT_LIFT = 2.0
# A recommendation row whose predicted engagement, where it would be placed, is below this share
# of the page's best row is left off the page (the greedy order already puts it last): its slots
# would hold titles the profile is predicted to ignore. Chosen on a validation split
# (docs/evaluation.md "Whole-page evaluation"); 0 keeps every row.
YIELD_FLOOR = 0.0
# Rows whose order the profile's ranking may change; Top 10 keeps its popularity order, New
# Releases its dates, and picked rows their neighbours' order.
_PERSONALISED = ("because-", "genre-", "trending")
PINNED = "Editor's pick"
# Rows that show state, not recommendations: never deduplicated against.
STATE_ROWS = frozenset({"continue-watching", "my-list"})

#: Named serving configurations: overrides of the ``[recs]`` rules, plus ``blend``: the ranker's
#: weights of P(play), P(complete), P(thumbs) (default :data:`DEFAULT_BLEND`). A variant names one.
DEFAULT_BLEND = (1.0, 0.5, 0.3)
SERVING_CONFIGS: dict[str, dict[str, Any]] = {
    "default": {"blend": DEFAULT_BLEND},
    "satisfaction": {"blend": (0.6, 1.0, 0.8)},  # favours titles likely finished and liked
    "diverse": {"diversity": "mmr", "mmr_lambda": 0.5, "exploration": 0.15},
    "popular": {"diversity": "none", "exploration": 0.0, "new_release_boost": 0.0},
    "genre-cap": {"diversity": "genre_cap"},
}

# Prior engagement of each row kind; multiplied by how much the profile's data supports it.
_ROW_PRIOR = {
    "top-picks": 1.0,
    "because": 0.9,
    "genre": 0.7,
    "trending": 0.6,
    "top10": 0.55,
    "new": 0.5,
    "watch-again": 0.4,
    # Onboarding picks are the only explicit signal a new profile has: their rows come early
    # (Top Picks, which blends them with popularity, still leads when it shows more of the
    # profile's predicted engagement).
    "picked": 1.05,
}
_COUNTRY_NAMES = {
    "US": "the US", "GB": "the UK", "ES": "Spain", "FR": "France", "DE": "Germany",
    "IT": "Italy", "PT": "Portugal", "BR": "Brazil", "MX": "Mexico", "CA": "Canada",
    "NL": "the Netherlands", "SE": "Sweden", "JP": "Japan", "IN": "India", "AU": "Australia",
}  # fmt: skip


def country_name(code: str) -> str:
    return _COUNTRY_NAMES.get(code, code)


def genre_name(slug: str) -> str:
    return slug.replace("-", " ").title()


def rules_for(base: Rules, config: str) -> Rules:
    """The rules of a named serving configuration (unknown names get the base rules)."""
    overrides = {k: v for k, v in SERVING_CONFIGS.get(config, {}).items() if k != "blend"}
    return replace(base, **overrides)


def blend_for(config: str) -> tuple[float, float, float]:
    """The ranker blend weights of a named serving configuration."""
    play, complete, thumbs = SERVING_CONFIGS.get(config, {}).get("blend", DEFAULT_BLEND)
    return float(play), float(complete), float(thumbs)


@dataclass(frozen=True)
class Row:
    """A row of the page: a stable key (``because-12``, ``genre-drama``), a heading, picks."""

    key: str
    title: str
    items: list[Pick]

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.key,
            "t": self.title,
            "i": [[p.title_id, p.score, p.reason] for p in self.items],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Row:
        items = [Pick(int(t), float(s), str(r)) for t, s, r in raw["i"]]
        return cls(str(raw["k"]), str(raw["t"]), items)


def encode_rows(rows: Sequence[Row], **meta: Any) -> bytes:
    return orjson.dumps({**meta, "rows": [r.to_json() for r in rows]})


def decode_rows(raw: bytes) -> tuple[list[Row], dict[str, Any]]:
    data = orjson.loads(raw)
    rows = [Row.from_json(r) for r in data.pop("rows")]
    return rows, data


Scored = Sequence[tuple[int, float]]


@dataclass
class PageInputs:
    """Everything a page is built from; empty lists simply yield fewer rows."""

    name: str
    audience: Audience
    top_picks: Scored = ()
    # The profile's ranking deeper than the Top Picks row needs (empty: ``top_picks``): what
    # reorders and fills the other rows, so their titles are chosen for the profile too.
    ranking: Scored = ()
    because: Sequence[tuple[int, Scored]] = ()  # (anchor title, its neighbours)
    picked: Sequence[tuple[int, Scored]] = ()  # onboarding picks and their neighbours
    genre_affinity: Mapping[str, float] = field(default_factory=dict)
    trending: Scored = ()
    segment_top: Scored = ()
    new_releases: Sequence[int] = ()
    watched: Sequence[int] = ()  # finished titles, most loved first (Watch It Again)
    fresh: Sequence[int] = ()  # exploration pool, newest first
    pins: Mapping[str, Sequence[tuple[int, int]]] = field(default_factory=dict)
    seed: int = 0


def build_page(
    inputs: PageInputs, info: Mapping[int, ItemInfo], rules: Rules, now: datetime
) -> list[Row]:
    """The page's rows, post-ranked, deduplicated and ordered by predicted engagement."""
    ok = allowed(info, inputs.audience, now)
    personal = _personal(inputs.ranking or inputs.top_picks)
    names = {tid: getattr(info.get(tid), "name", str(tid)) for tid, _ in inputs.because}
    names.update({tid: getattr(info.get(tid), "name", str(tid)) for tid, _ in inputs.picked})
    candidates: list[tuple[str, str, float, list[Pick]]] = []

    def add(key: str, title: str, kind: str, picks: list[Pick], weight: float = 1.0) -> None:
        candidates.append((key, title, _ROW_PRIOR[kind] * weight, picks))

    add("top-picks", f"Top Picks for {inputs.name}", "top-picks", _top_picks(inputs, info))
    for anchor, similar in inputs.because:
        why = f"Because you watched {names[anchor]}"
        add(f"because-{anchor}", why, "because", [Pick(t, s, why) for t, s in similar])
    for anchor, similar in inputs.picked:
        why = f"Because you picked {names[anchor]}"
        add(f"picked-{anchor}", why, "picked", [Pick(t, s, why) for t, s in similar])
    trend = [Pick(t, s, "Trending this week") for t, s in inputs.trending]
    add("trending", "Trending Now", "trending", trend)
    where = country_name(inputs.audience.country)
    top = [Pick(t, s, f"Popular in {where}") for t, s in inputs.segment_top]
    add(f"top10-{inputs.audience.country}", f"Top 10 in {where} Today", "top10", top)
    count = len(inputs.new_releases)
    new = [Pick(t, float(count - n), "New on Marquee") for n, t in enumerate(inputs.new_releases)]
    add("new", "New Releases", "new", new)
    for slug, picks, weight in _genre_rows(inputs, info, rules.genre_rows):
        add(f"genre-{slug}", f"{genre_name(slug)} for You", "genre", picks, weight)
    again = [Pick(t, float(-n), "Watch it again") for n, t in enumerate(inputs.watched)]
    # Watch It Again shows finished titles, so it skips the "completed" filter.
    again_ok = allowed(info, replace(inputs.audience, blocked=frozenset()), now)
    ranked = [
        (
            key,
            title,
            weight,
            _post_rank(
                key,
                _personalise(picks, personal) if key.startswith(_PERSONALISED) else picks,
                inputs=inputs,
                info=info,
                rules=rules,
                now=now,
                ok=ok,
            ),
        )
        for key, title, weight, picks in candidates
    ]
    ranked.append(("watch-again", "Watch It Again", _ROW_PRIOR["watch-again"],
                   keep(again, again_ok)[: rules.row_length]))  # fmt: skip
    return _order_and_dedup(ranked, personal)


def _personal(ranking: Scored) -> dict[int, float]:
    """The profile's predicted engagement per title: its rank in the profile's ranking mapped
    to (0, 1]. (Read over Top Picks' depth only for the row order, it did worse on validation:
    docs/evaluation.md "Whole-page evaluation".)"""
    out: dict[int, float] = {}
    for rank, (tid, _) in enumerate(ranking):
        out.setdefault(tid, 1.0 - rank / len(ranking))
    return out


def _personalise(picks: list[Pick], personal: Mapping[int, float]) -> list[Pick]:
    """The row's candidates reordered by their own score (scaled to [0, 1]) plus the
    profile's predicted engagement: the ranking stage applied inside a row."""
    if not personal or not picks:
        return picks
    high, low = max(p.score for p in picks), min(p.score for p in picks)
    span = (high - low) or 1.0
    scored = [
        Pick(p.title_id, (p.score - low) / span + PERSONAL_WEIGHT * personal.get(p.title_id, 0.0),
             p.reason)
        for p in picks
    ]  # fmt: skip
    return sorted(scored, key=lambda p: -p.score)


def _top_picks(inputs: PageInputs, info: Mapping[int, ItemInfo]) -> list[Pick]:
    out = []
    for tid, score in inputs.top_picks:
        card = info.get(tid)
        liked = [g for g in (card.genres if card else ()) if inputs.genre_affinity.get(g, 0) > 0]
        best = max(liked, key=lambda g: inputs.genre_affinity[g], default=None)
        out.append(
            Pick(tid, score, f"Because you like {genre_name(best)}" if best else "Picked for you")
        )
    return out


def _genre_rows(
    inputs: PageInputs, info: Mapping[int, ItemInfo], count: int
) -> list[tuple[str, list[Pick], float]]:
    """The profile's ``count`` favourite genres, each filled from its ranking in the genre, then
    the segment's popular and trending titles in it (by rank: the sources' scores differ in
    scale)."""
    favourites = sorted(inputs.genre_affinity.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
    if not favourites:
        return []
    pool: dict[int, float] = {}
    sources = (inputs.ranking or inputs.top_picks, inputs.segment_top, inputs.trending)
    for level, source in enumerate(sources):
        for rank, (tid, _) in enumerate(source):
            pool.setdefault(tid, len(sources) - level - rank / len(source))
    ordered = [(t, s, info[t].genres) for t, s in sorted(pool.items(), key=lambda kv: -kv[1])
               if t in info]  # fmt: skip
    out = []
    for slug, weight in favourites:
        why = f"Because you like {genre_name(slug)}"
        picks = [Pick(t, s, why) for t, s, genres in ordered if slug in genres]
        out.append((slug, picks, weight))
    return out


def _post_rank(
    key: str,
    picks: list[Pick],
    *,
    inputs: PageInputs,
    info: Mapping[int, ItemInfo],
    rules: Rules,
    now: datetime,
    ok: Any,
) -> list[Pick]:
    # Diversity reads at most 4 × row_length candidates; twice that leaves room for the
    # new-release boost to lift titles from further down.
    kept = keep(picks, ok, limit=rules.row_length * 8)
    if key != "new":
        kept = boost_new(kept, info, now, rules)
    kept = diversify(kept, info, rules)
    if key in ("top-picks",) or key.startswith("genre-"):
        kept = explore(kept, [t for t in inputs.fresh if ok(t)], rules, seed=inputs.seed)
    pins = [(t, p) for t, p in inputs.pins.get(key.split("-", 1)[0], ()) if ok(t)]
    pins += [(t, p) for t, p in inputs.pins.get(key, ()) if ok(t)]
    return apply_pins(kept, pins, PINNED)[: rules.row_length] if pins else kept


Ranked = tuple[str, str, float, list[Pick]]


def _engagement(entry: Ranked, personal: Mapping[int, float], seen: set[int]) -> float:
    """A row's predicted engagement: its prior (scaled by the profile's affinity for genre
    rows), lifted by the profile's predicted engagement with the titles it would show first
    once the rows above have taken theirs; a row too short to scroll is worth half."""
    key, _, weight, picks = entry
    fresh = picks if key in STATE_ROWS else [p for p in picks if p.title_id not in seen]
    base = weight if len(fresh) >= MIN_ROW else weight / 2
    if not personal:
        return base
    shown = fresh[:VISIBLE]
    liked = sum(personal.get(p.title_id, 0.0) for p in shown) / len(shown) if shown else 0.0
    return base * (1.0 + ENGAGEMENT_LIFT * liked)


def _order_and_dedup(ranked: list[Ranked], personal: Mapping[int, float]) -> list[Row]:
    # Rows are placed greedily, the most engaging next (Felicioni et al.'s incremental greedy
    # carousel layout): a row's worth depends on what the rows above already show.
    left, seen, ordered = list(ranked), set[int](), []
    ceiling = 0.0
    while left:
        worth = {id(entry): _engagement(entry, personal, seen) for entry in left}
        best = max(left, key=lambda entry: worth[id(entry)])
        left.remove(best)
        if _below_floor(best[0], worth[id(best)], ceiling, personal):
            continue
        ceiling = max(ceiling, worth[id(best)])
        ordered.append(best)
        fresh = [p.title_id for p in best[3] if p.title_id not in seen]
        if best[0] in STATE_ROWS or len(fresh) >= MIN_ROW:
            seen.update(fresh)
    titles = {key: title for key, title, _, _ in ordered}
    kept = dedup_rows(
        [(key, picks) for key, _, _, picks in ordered], min_length=MIN_ROW, exempt=STATE_ROWS
    )
    return [Row(key, titles[key], picks) for key, picks in kept]


def _below_floor(key: str, worth: float, ceiling: float, personal: Mapping[int, float]) -> bool:
    """Whether a row is predicted to yield too little to show. Only for profiles with a
    ranking (without one the priors alone order the rows); never state rows or Top Picks."""
    if not personal or key in STATE_ROWS or key == "top-picks":
        return False
    return worth < YIELD_FLOOR * ceiling


def parse_variants(variants: Sequence[str]) -> list[tuple[str, str, int]]:
    """``"name=config:weight"`` entries → (name, config, weight); bad entries are skipped."""
    out = []
    for entry in variants:
        name, _, rest = entry.partition("=")
        config, _, weight = rest.partition(":")
        if name and config and weight.isdigit() and int(weight) > 0:
            out.append((name.strip(), config.strip(), int(weight)))
    return out or [("control", "default", 100)]


def assign(salt: str, profile_id: int, variants: Sequence[str]) -> tuple[str, str]:
    """Deterministic experiment assignment: a hash of salt and profile picks a bucket of the
    variants' weights. Returns (variant, serving configuration)."""
    parsed = parse_variants(variants)
    digest = hashlib.sha256(f"{salt}:{profile_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % sum(w for _, _, w in parsed)
    for name, config, weight in parsed:
        if bucket < weight:
            return name, config
        bucket -= weight
    return parsed[-1][0], parsed[-1][1]
