"""A believable synthetic platform for tests and the demo, deterministic given the seed.

Profiles have latent tastes (a Dirichlet mixture over genres); titles have Zipf popularity.
Viewing sessions over the 180 days before ``reference`` pick titles by popularity × taste, and
good matches are finished more often. Plays store completion in [0, 1]; some sessions also
leave a rating or a thumb.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from marquee.domain.maturity import ADULT_LEVEL, KIDS_MAX_LEVEL
from marquee.errors import InvalidInput
from marquee.services.imports.demographics import all_bands
from marquee.services.imports.events import EventSink, publishing
from marquee.services.imports.synthetic_catalog import (
    COUNTRIES,
    COUNTRY_SHARES,
    GENRES,
    KIDS_GENRES,
    Catalog,
    generate_catalog,
)
from marquee.services.imports.writer import BulkWriter, ImportReport, ProgressFn, Row, no_progress
from marquee.storage.db import Database

SOURCE = "synthetic"
HISTORY_DAYS = 180
ARCHETYPES = 6
KIDS_SHARE = 0.1
_FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Robin", "Avery",
    "Quinn", "Charlie", "Drew", "Emery", "Finley", "Harper", "Kai", "Logan", "Parker", "Rowan",
)  # fmt: skip


@dataclass
class Platform:
    """Everything generated, before ids exist; rows refer to each other by ``*_ref``."""

    catalog: Catalog
    accounts: list[Row] = field(default_factory=list)
    profiles: list[Row] = field(default_factory=list)
    interactions: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class _Viewer:
    ref: str
    level: int
    country: str
    taste: NDArray[np.float64]


def _account_sizes(rng: np.random.Generator, profiles: int) -> list[int]:
    sizes: list[int] = []
    while (left := profiles - sum(sizes)) > 0:
        sizes.append(min(left, int(rng.choice([1, 2, 3, 4], p=[0.35, 0.3, 0.2, 0.15]))))
    return sizes


def _kids_slots(rng: np.random.Generator, sizes: list[int]) -> set[int]:
    """~10% of profiles, never an account's first (its holder is an adult) when avoidable."""
    starts = set(np.cumsum([0, *sizes[:-1]]).tolist())
    total = sum(sizes)
    candidates = [i for i in range(total) if i not in starts] or list(range(total))
    count = min(len(candidates), max(1, round(KIDS_SHARE * total))) if total > 1 else 0
    return {int(i) for i in rng.choice(candidates, size=count, replace=False)}


def _taste(
    rng: np.random.Generator, archetypes: NDArray[np.float64], kids: bool
) -> NDArray[np.float64]:
    taste = rng.dirichlet(np.full(len(archetypes), 0.5)) @ archetypes
    if kids:
        taste[[GENRES.index(g) for g in KIDS_GENRES]] += 1.0
    return np.asarray(taste / taste.sum(), dtype=np.float64)


def generate_people(
    rng: np.random.Generator, platform: Platform, *, profiles: int, prefix: str
) -> list[_Viewer]:
    """Accounts of 1–4 profiles in one country each; returns the viewers with their tastes."""
    archetypes = rng.dirichlet(np.full(len(GENRES), 0.3), size=ARCHETYPES)
    sizes = _account_sizes(rng, profiles)
    kids_slots = _kids_slots(rng, sizes)
    viewers: list[_Viewer] = []
    adult_bands = [b for b in all_bands() if b != "under-18"]
    for a, size in enumerate(sizes):
        account_ref = f"{prefix}:account:{a}"
        country = str(rng.choice(COUNTRIES, p=COUNTRY_SHARES))
        email = f"{prefix}-account-{a}@synthetic.invalid"
        platform.accounts.append(
            {"email": email, "password_hash": None, "role": "viewer", "external_ref": account_ref}
        )
        for name in rng.choice(_FIRST_NAMES, size=size, replace=False):
            kids = len(viewers) in kids_slots
            ref = f"{prefix}:profile:{len(viewers)}"
            platform.profiles.append(
                {
                    "account_ref": account_ref,
                    "name": str(name),
                    "is_kids": kids,
                    "maturity_level": KIDS_MAX_LEVEL if kids else ADULT_LEVEL,
                    "country": country,
                    "age_band": "under-18" if kids else str(rng.choice(adult_bands)),
                    "attributes": {},
                    "external_ref": ref,
                }
            )
            level = KIDS_MAX_LEVEL if kids else ADULT_LEVEL
            viewers.append(_Viewer(ref, level, country, _taste(rng, archetypes, kids)))
    return viewers


def _play_rows(
    rng: np.random.Generator, title: Row, match: float, start: datetime
) -> tuple[list[tuple[str, float, datetime]], datetime]:
    """One title watched from ``start``: plays (a few episodes of a series), maybe a verdict."""
    rows: list[tuple[str, float, datetime]] = []
    at, runtime = start, float(title["runtime_minutes"])
    for _ in range(int(rng.integers(1, 5)) if title["kind"] == "series" else 1):
        full = rng.random() < 0.2 + 0.7 * match
        completion = rng.uniform(0.93, 1.0) if full else 0.9 * rng.beta(1.2, 3.0)
        rows.append(("play", round(float(completion), 3), at))
        at += timedelta(minutes=runtime * completion + 1)
        if not full:
            break
    if rng.random() < 0.12:
        stars = np.clip(round(1 + 4 * match + rng.normal(0.0, 0.8)), 1, 5)
        rows.append(("rate", float(stars), at))
    if rng.random() < 0.08:
        rows.append(("thumbs_up" if rng.random() < 0.35 + 0.65 * match else "thumbs_down", 1.0, at))
    return rows, at + timedelta(minutes=int(rng.integers(2, 30)))


def _sessions(
    rng: np.random.Generator, catalog: Catalog, viewer: _Viewer, reference: datetime
) -> list[Row]:
    """The viewer's sessions over the history window; every viewer with a title gets one."""
    allowed = (catalog.levels() <= viewer.level) & catalog.available_in(viewer.country)
    if not allowed.any():
        return []
    affinity = catalog.genre_matrix @ viewer.taste
    match = affinity / max(float(affinity.max()), 1e-9)
    weights = catalog.popularity**0.8 * np.exp(3.0 * match) * allowed
    weights /= weights.sum()
    rows: list[Row] = []
    for _ in range(1 + int(rng.poisson(rng.lognormal(np.log(6.0), 0.6)))):
        seconds = int(rng.integers(86400, HISTORY_DAYS * 86400))
        at = (reference - timedelta(seconds=seconds)).replace(microsecond=0)
        size = min(int(rng.integers(1, 4)), int(allowed.sum()))
        for index in rng.choice(len(weights), size=size, replace=False, p=weights):
            title = catalog.titles[int(index)]
            events, at = _play_rows(rng, title, float(match[index]), at)
            rows.extend(
                {
                    "profile_ref": viewer.ref,
                    "title_ref": title["external_ref"],
                    "kind": kind,
                    "value": value,
                    "occurred_at": when.replace(microsecond=0),
                    "source": SOURCE,
                }
                for kind, value, when in events
            )
    return rows


def _unique(rows: list[Row]) -> list[Row]:
    # The table keys interactions on (profile, title, kind, time); keep the first of a clash.
    seen: set[tuple[object, ...]] = set()
    kept = []
    for row in rows:
        key = (row["profile_ref"], row["title_ref"], row["kind"], row["occurred_at"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def generate(*, profiles: int, titles: int, seed: int, reference: datetime) -> Platform:
    """The same platform for the same arguments."""
    if profiles < 1 or titles < 1:
        field_name = "profiles" if profiles < 1 else "titles"
        raise InvalidInput.on(field_name, "must be at least 1")
    rng = np.random.default_rng(seed)
    prefix = f"synthetic-{seed}"
    platform = Platform(generate_catalog(rng, titles=titles, prefix=prefix, reference=reference))
    viewers = generate_people(rng, platform, profiles=profiles, prefix=prefix)
    rows = [row for v in viewers for row in _sessions(rng, platform.catalog, v, reference)]
    platform.interactions = _unique(rows)
    return platform


def write_platform(writer: BulkWriter, platform: Platform, events: EventSink | None = None) -> None:
    """Insert a generated platform, resolving refs to ids kind by kind."""
    cat = platform.catalog
    genre_ids = writer.genres(g for _, g in cat.title_genres)
    title_ids = writer.titles(cat.titles)
    writer.title_genres((title_ids[t], genre_ids[g]) for t, g in cat.title_genres)
    writer.availability([_resolve(r, title_ref=title_ids) for r in cat.availability])
    seasons = writer.seasons([_resolve(r, title_ref=title_ids) for r in cat.seasons])
    episodes = [_resolve(r, title_ref=title_ids) for r in cat.episodes]
    writer.episodes(
        [
            {
                **_without(e, "title_id", "season_number"),
                "season_id": seasons[e["title_id"], e["season_number"]],
            }
            for e in episodes
        ]
    )
    accounts = writer.accounts(platform.accounts, total=len(platform.accounts))
    profile_rows = [_resolve(p, account_ref=accounts) for p in platform.profiles]
    profile_ids = writer.profiles(profile_rows, total=len(profile_rows))
    rows: Iterable[Row] = (
        _resolve(r, profile_ref=profile_ids, title_ref=title_ids) for r in platform.interactions
    )
    if events is not None:
        runtimes = {title_ids[t["external_ref"]]: float(t["runtime_minutes"]) for t in cat.titles}
        rows = publishing(rows, events, writer.report, runtimes=runtimes)
    writer.interactions(rows, total=len(platform.interactions))


def _without(row: Row, *keys: str) -> Row:
    return {k: v for k, v in row.items() if k not in keys}


def _resolve(row: Row, **maps: dict[str, int]) -> Row:
    """``{"title_ref": "x"}`` with ``title_ref=ids`` → ``{"title_id": ids["x"]}``."""
    resolved = _without(row, *maps)
    for key, ids in maps.items():
        resolved[key.removesuffix("_ref") + "_id"] = ids[row[key]]
    return resolved


def import_synthetic(
    db: Database,
    *,
    profiles: int,
    titles: int,
    seed: int,
    reference: datetime,
    now: datetime,
    progress: ProgressFn = no_progress,
    events: EventSink | None = None,
) -> ImportReport:
    """Generate and insert a platform; the same seed and reference again add nothing.

    With ``events``, the viewing history is also published as behaviour events.
    """
    progress("generating", 0, None)
    platform = generate(profiles=profiles, titles=titles, seed=seed, reference=reference)
    progress("generating", 1, 1)
    writer = BulkWriter(db, now=now, progress=progress)
    write_platform(writer, platform, events)
    return writer.report
