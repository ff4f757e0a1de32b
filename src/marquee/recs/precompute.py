"""Batch precompute: candidates → post-rank → rows for every profile and segment, versioned.

Key layout in the online store (under its namespace):

- ``home:v:{version}:p:{profile}``: a profile's rows (``rows.encode_rows``);
- ``home:v:{version}:s:{segment}``: a segment's rows (country|age band), ``…:s:*`` the global ones;
- ``home:v:{version}:i:{title}``: a title's item-kNN neighbours (cold start, More Like This);
- ``home:current``: the version readers use, with its creation time and model.

The version is a hash of the data snapshot, the catalog and the rules, so a rerun over the same
data writes into the same version and skips every profile already written (resumable,
idempotent). The pointer is flipped last: a run that fails before it changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import orjson

from marquee.compute import Executor
from marquee.config import RecsSettings
from marquee.experiments.assignment import Allocation
from marquee.recs.candidates.base import Recommender
from marquee.recs.postrank import Audience, Rules
from marquee.recs.precompute_data import HomeData, ProfileRow, load_home_data
from marquee.recs.precompute_models import NEIGHBOURS, Models, fit_models, fit_ranker
from marquee.recs.ranking.ranker import BlendWeights
from marquee.recs.registry import ModelRegistry
from marquee.recs.release import Release, release_ranker, release_top
from marquee.recs.rows import (
    PageInputs,
    Row,
    blend_for,
    build_page,
    encode_rows,
    rules_for,
)
from marquee.storage.db import Database
from marquee.storage.kv import OnlineStore
from marquee.storage.lake import Lake

POINTER = "home:current"
PREVIOUS = "home:previous"
MIN_HISTORY = 3  # liked titles of its own before a profile's onboarding picks stop leading
TTL_S = 14 * 86_400  # an abandoned version expires on its own
# How deep the profile's ranking reaches, in Top Picks pools (row_length × 4 titles each): it
# reorders and fills the other rows (rows.PageInputs.ranking). 10 (800 titles at the default
# row length) was best on a validation split, docs/evaluation.md "Whole-page evaluation".
RANKING_DEPTH = 10
Progress = Callable[[str, int, int], None]


def rows_key(version: str, kind: str, ident: object) -> str:
    return f"home:v:{version}:{kind}:{ident}"


def base_rules(settings: RecsSettings) -> Rules:
    return Rules(
        row_length=settings.row_length,
        exploration=settings.exploration,
        diversity=settings.diversity,
        mmr_lambda=settings.mmr_lambda,
        genre_cap=settings.genre_cap,
        new_release_days=settings.new_release_days,
        new_release_boost=settings.new_release_boost,
        genre_rows=settings.genre_rows,
    )


@dataclass(frozen=True)
class Pointer:
    version: str
    created_at: datetime
    model: str

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "version": self.version,
                "created_at": self.created_at.isoformat(),
                "model": self.model,
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> Pointer:
        data = orjson.loads(raw)
        return cls(data["version"], datetime.fromisoformat(data["created_at"]), data["model"])


def current(kv: OnlineStore) -> Pointer | None:
    raw = kv.get(POINTER)
    return None if raw is None else Pointer.decode(raw)


@dataclass(frozen=True)
class Summary:
    version: str
    profiles: int
    written: int  # profiles written by this run (the rest were already there)
    segments: int
    flipped: bool  # False when the version was already current
    release: Release | None = None  # Top Picks in the model registry (when there is one)
    ranker_release: Release | None = None  # the ranker in the model registry


class Precompute:
    """``run()`` does the whole job; ``fail_before_flip`` exists for the failure test."""

    def __init__(
        self,
        *,
        db: Database,
        kv: OnlineStore,
        settings: RecsSettings,
        executor: Executor,
        now: Callable[[], datetime],
        registry: ModelRegistry | None = None,
        allocation: Allocation | None = None,
        lake: Lake | None = None,
    ) -> None:
        self._db, self._kv, self._settings = db, kv, settings
        self._executor, self._now = executor, now
        # Experiment assignment as of this run (``ExperimentService.allocation("home")``).
        self._allocation = allocation or Allocation.from_settings(settings)
        self._registry = registry
        self._lake = lake  # ratings, thumbs, list adds and impressions made on the platform

    def run(self, *, progress: Progress | None = None, fail_before_flip: bool = False) -> Summary:
        report = progress or (lambda stage, done, total: None)
        now = self._now()
        report("load", 0, 1)
        data = load_home_data(self._db, now=now, lake=self._lake)
        report("load", 1, 1)
        report("fit", 0, 1)
        models = fit_models(data, self._settings, now)
        # Before the ranker: it takes Top Picks candidates from the model that serves.
        release = self._release(data, models)
        ranker_release = None
        if models is not None:
            models.ranker = fit_ranker(data, models, self._settings, now, lake=self._lake)
            ranker_release = self._release_ranker(models)
        report("fit", 1, 1)
        version = self._version(data, models)
        written = self._write_profiles(version, data, models, now, report)
        segments = self._write_segments(version, data, models, now)
        self._write_neighbours(version, data, models)
        if fail_before_flip:
            raise RuntimeError("precompute stopped before the pointer flip (as asked)")
        flipped = self._flip(Pointer(version, now, self._settings.candidate_model))
        return Summary(
            version, len(data.profiles), written, segments, flipped, release, ranker_release
        )

    def _release(self, data: HomeData, models: Models | None) -> Release | None:
        """Register Top Picks and let the promoted version serve (see ``recs/release.py``)."""
        if self._registry is None or models is None:
            return None
        release, models.top = release_top(self._registry, models.top, data, self._settings)
        return release

    def _release_ranker(self, models: Models) -> Release | None:
        """Register the ranker; a refused one gives way to the promoted version."""
        if self._registry is None or models.ranker is None:
            return None
        release, models.ranker = release_ranker(self._registry, models.ranker)
        return release

    def _version(self, data: HomeData, models: Models | None) -> str:
        snapshot = models.knn.version.snapshot_id if models and models.knn.version else "empty"
        # Top Picks may be an older promoted model (recs/release.py): it is part of the version.
        top = models.top.version if models else None
        ranker = models.ranker.model.version if models and models.ranker else None
        parts = [
            snapshot,
            f"{top.model}:{top.snapshot_id}" if top else "",
            f"ranker:{ranker.snapshot_id}:{ranker.cutoff}" if ranker else "",
            data.catalog_mark,
            self._settings.model_dump_json(),
            self._allocation.fingerprint(),
            ",".join(str(p.profile_id) for p in data.profiles),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def _write_profiles(
        self, version: str, data: HomeData, models: Models | None, now: datetime, report: Progress
    ) -> int:
        size = self._settings.precompute_batch
        batches = [data.profiles[i : i + size] for i in range(0, len(data.profiles), size)]
        done = written = 0
        total = len(data.profiles)
        report("profiles", 0, total)

        def compute(batch: Sequence[ProfileRow]) -> tuple[int, dict[str, bytes]]:
            keys = [rows_key(version, "p", p.profile_id) for p in batch]
            present = self._kv.get_many(keys)
            todo = [p for p, have in zip(batch, present, strict=True) if have is None]
            split = self._allocation
            pages = profile_pages(todo, data, models, self._settings, now, allocation=split)
            out = {
                rows_key(version, "p", pid): encode_rows(rows, version=version)
                for pid, rows in pages
            }
            return len(batch), out

        for count, items in self._executor.map(compute, batches):
            if items:
                self._kv.set_many(items, ttl=TTL_S)
            done, written = done + count, written + len(items)
            report("profiles", done, total)
        return written

    def _write_segments(
        self, version: str, data: HomeData, models: Models | None, now: datetime
    ) -> int:
        rules = base_rules(self._settings)
        items: dict[str, bytes] = {}
        for segment in [*sorted(data.segments), "*"]:
            country = segment.split("|", 1)[0] if segment != "*" else ""
            inputs = segment_inputs(segment, country, data, models, self._settings)
            rows = build_page(inputs, data.cards, rules, now)
            items[rows_key(version, "s", segment)] = encode_rows(rows, version=version)
        self._kv.set_many(items, ttl=TTL_S)
        return len(items)

    def _write_neighbours(self, version: str, data: HomeData, models: Models | None) -> None:
        if models is None:
            return
        index = np.arange(models.knn.n_items)
        if index.size == 0:
            return
        ids, scores = models.knn.similar_items(index, NEIGHBOURS)
        raw = models.knn.items.raw
        items: dict[str, bytes] = {}
        for row, title in enumerate(raw):
            keep = ids[row] >= 0
            pairs = [
                [int(raw[i]), round(float(s), 5)]
                for i, s in zip(ids[row][keep], scores[row][keep], strict=True)
                if s > 0
            ]
            items[rows_key(version, "i", int(title))] = orjson.dumps(pairs)
        for start in range(0, len(items), 1000):
            chunk = dict(list(items.items())[start : start + 1000])
            self._kv.set_many(chunk, ttl=TTL_S)

    def _flip(self, pointer: Pointer) -> bool:
        before = current(self._kv)
        if before is not None and before.version == pointer.version:
            return False
        self._kv.set(POINTER, pointer.encode())
        previous = self._kv.get(PREVIOUS)
        if previous and previous.decode() not in (pointer.version, before and before.version):
            self._kv.delete_prefix(f"home:v:{previous.decode()}:")
        if before is not None:
            self._kv.set(PREVIOUS, before.version.encode())
        return True


def _scored(model: Recommender, ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    keep = (ids >= 0) & np.isfinite(scores)
    raw = model.items.to_raw(ids[keep])
    return list(zip(raw.tolist(), scores[keep].tolist(), strict=True))


def _trending(models: Models | None, k: int) -> list[tuple[int, float]]:
    if models is None:
        return []
    ids, scores = models.trending.recommend([-1], k, exclude_seen=False)
    return [(t, s) for t, s in _scored(models.trending, ids[0], scores[0]) if s > 1e-3]


def profile_pages(
    profiles: Sequence[ProfileRow],
    data: HomeData,
    models: Models | None,
    settings: RecsSettings,
    now: datetime,
    *,
    allocation: Allocation | None = None,
) -> Iterator[tuple[int, list[Row]]]:
    """Each profile's page from the fitted models (one batched ``recommend`` call), in the
    serving configuration of its experiment variant (``allocation``, else the settings')."""
    if not profiles:
        return
    split = allocation or Allocation.from_settings(settings)
    pool = settings.row_length * 4
    top = _top_picks(profiles, data, models, pool * RANKING_DEPTH)
    ranker = models.ranker if models is not None else None
    ranked = ranker.score([p.profile_id for p in profiles], pool) if ranker else {}
    trending = _trending(models, pool)
    because = _neighbour_lists(
        [p.anchors for p in profiles], models, pool, limit=settings.because_rows
    )
    for n, profile in enumerate(profiles):
        config = split.assign(profile.profile_id).config
        rules = rules_for(base_rules(settings), config)
        scored = ranked.get(profile.profile_id)
        # The ranker orders every source's candidates by this configuration's blend.
        picks = scored.ordered(BlendWeights(*blend_for(config)), pool) if scored else top[n][:pool]
        inputs = PageInputs(
            name=profile.name,
            audience=Audience(profile.max_level, profile.country, profile.blocked),
            top_picks=picks,
            ranking=_deeper(picks, top[n]),
            because=because[n],
            picked=_picked(profile, models, pool),
            genre_affinity=profile.affinity,
            trending=trending,
            segment_top=data.segment_popular(profile.segment)[:pool],
            new_releases=data.new_releases,
            watched=profile.loved,
            fresh=data.fresh,
            pins=data.pins_for(profile.country),
            seed=profile.profile_id,
        )
        rows = build_page(inputs, data.cards, rules, now)
        yield profile.profile_id, rows[: settings.max_rows]


def _deeper(
    picks: Sequence[tuple[int, float]], deep: Sequence[tuple[int, float]]
) -> list[tuple[int, float]]:
    """The profile's ranking: its Top Picks order, then the candidate model's deeper list."""
    head = {t for t, _ in picks}
    return [*picks, *((t, s) for t, s in deep if t not in head)]


def _top_picks(
    profiles: Sequence[ProfileRow], data: HomeData, models: Models | None, k: int
) -> list[list[tuple[int, float]]]:
    if models is None:
        return [data.segment_popular(p.segment)[:k] for p in profiles]
    users = models.top.users.index([p.profile_id for p in profiles])
    ids, scores = models.top.recommend(users, k)
    return [_scored(models.top, ids[n], scores[n]) for n in range(len(profiles))]


def _picked(
    profile: ProfileRow, models: Models | None, k: int
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Rows from the onboarding picks while the profile has little history of its own."""
    if len(profile.anchors) >= MIN_HISTORY:
        return []
    chosen = set(profile.picks)
    return [
        (anchor, [(t, s) for t, s in similar if t not in chosen])
        for anchor, similar in _neighbours(profile.picks, models, k, limit=3)
    ]


def _neighbours(
    titles: Sequence[int], models: Models | None, k: int, *, limit: int
) -> list[tuple[int, list[tuple[int, float]]]]:
    """The first ``limit`` titles' item-kNN neighbours (titles the model does not know are
    skipped)."""
    return _neighbour_lists([titles], models, k, limit=limit)[0]


def _neighbour_lists(
    title_lists: Sequence[Sequence[int]], models: Models | None, k: int, *, limit: int
) -> list[list[tuple[int, list[tuple[int, float]]]]]:
    """``_neighbours`` of each list, with one ``similar_items`` call for the distinct anchors
    of them all: profiles in a batch share many anchors, and one blocked call is far cheaper
    than one per profile."""
    if models is None:
        return [[] for _ in title_lists]
    chosen: list[list[tuple[int, int]]] = []
    for titles in title_lists:
        index = models.knn.items.index(list(titles)).tolist()
        chosen.append([(t, i) for t, i in zip(titles, index, strict=True) if i >= 0][:limit])
    distinct = sorted({i for anchors in chosen for _, i in anchors})
    if not distinct:
        return [[] for _ in title_lists]
    ids, scores = models.knn.similar_items(np.array(distinct, dtype=np.int64), k)
    table = {
        i: [(t, s) for t, s in _scored(models.knn, ids[n], scores[n]) if s > 0]
        for n, i in enumerate(distinct)
    }
    return [[(t, table[i]) for t, i in anchors] for anchors in chosen]


def segment_inputs(
    segment: str, country: str, data: HomeData, models: Models | None, settings: RecsSettings
) -> PageInputs:
    """The rows anyone in a segment gets when their own are missing (``*``: everyone)."""
    pool = settings.row_length * 4
    popular = data.segment_popular(segment)[:pool]
    return PageInputs(
        name="You",
        # Segments mix audiences: maturity is filtered again when a page is served.
        audience=Audience(max_level=100, country=country),
        top_picks=popular,
        trending=_trending(models, pool),
        segment_top=popular,
        new_releases=data.new_releases,
        fresh=data.fresh,
        pins=data.pins_for(country or None),
    )


def describe(summary: Summary) -> dict[str, Any]:
    return {
        "version": summary.version,
        "profiles": summary.profiles,
        "written": summary.written,
        "segments": summary.segments,
        "flipped": summary.flipped,
        "release": summary.release.describe() if summary.release else None,
        "ranker": summary.ranker_release.describe() if summary.ranker_release else None,
    }
