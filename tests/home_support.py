"""A generated catalog with viewing history, for homepage, similar and precompute tests."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marquee.bootstrap import Container
from marquee.domain.catalog import TitleKind
from marquee.recs.precompute import Precompute, Summary
from marquee.storage.db.tables import Interaction
from tests.recs_catalog import add_profile

GENRES = ["Drama", "Comedy", "Crime", "Animation", "Documentary", "Thriller"]
RATINGS = ["G", "PG", "PG-13", "R", "TV-MA"]


@dataclass(frozen=True)
class World:
    titles: list[int]
    levels: dict[int, int]  # title → maturity level
    adult: int  # profile ids of the account ``account_id``
    kids: int
    others: list[int]
    account_id: int


def build_world(
    container: Container, account_id: int, *, n_titles: int = 48, seed: int = 7
) -> World:
    """``n_titles`` titles in genre pairs and every rating, and eight viewers with history."""
    rnd = random.Random(seed)
    titles, levels = [], {}
    for n in range(n_titles):
        genres = [GENRES[n % len(GENRES)], GENRES[(n // len(GENRES)) % len(GENRES)]]
        title = container.catalog.create_title(
            kind=TitleKind.MOVIE,
            name=f"Title {n:02d}",
            year=1990 + n % 30,
            maturity_rating=RATINGS[n % len(RATINGS)],
            genres=sorted(set(genres)),
        )
        titles.append(title.id)
        levels[title.id] = title.maturity_level
    adult = add_profile(container, account_id, "Ana")
    kids = add_profile(container, account_id, "Kid", kids=True)
    others = [add_profile(container, account_id, f"Viewer {i}") for i in range(8)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with container.db.session() as s:
        for profile in [adult, kids, *others]:
            for k, title_id in enumerate(rnd.sample(titles, 10)):
                at = start + timedelta(minutes=k)
                value = rnd.choice([0.95, 1.0, 0.6])
                s.add(Interaction(profile_id=profile, title_id=title_id, kind="play",
                                  value=value, occurred_at=at, source="test"))  # fmt: skip
    return World(titles, levels, adult, kids, others, account_id)


def precompute(container: Container, *, fail_before_flip: bool = False) -> Summary:
    job = Precompute(
        db=container.db,
        kv=container.kv,
        settings=container.settings.recs,
        executor=container.compute,
        now=container.clock,
    )
    return job.run(fail_before_flip=fail_before_flip)
