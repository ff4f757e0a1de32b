"""A small catalog and profiles for search, homepage and serving tests (real services only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from marquee.bootstrap import Container
from marquee.domain.catalog import CreditRole, TitleKind
from marquee.services.catalog import CreditSpec, WindowSpec
from marquee.storage.db.tables import Interaction, Profile

# name, kind, year, rating, genres, people, tags
TITLES: list[tuple[str, str, int, str, list[str], list[str], list[str]]] = [
    ("The Shawshank Redemption", "movie", 1994, "R", ["Drama"], ["Tim Robbins", "Morgan Freeman"],
     ["prison", "hope"]),
    ("Heat", "movie", 1995, "R", ["Crime", "Thriller"], ["Al Pacino", "Robert De Niro"], ["heist"]),
    ("Toy Story", "movie", 1995, "G", ["Animation", "Comedy"], ["Tom Hanks"], ["toys"]),
    ("Finding Nemo", "movie", 2003, "G", ["Animation"], ["Albert Brooks"], ["ocean", "fish"]),
    ("Amélie", "movie", 2001, "R", ["Comedy", "Romance"], ["Audrey Tautou"], ["paris"]),
    ("Planet Earth", "documentary", 2006, "TV-G", ["Documentary"], ["David Attenborough"],
     ["nature"]),
    ("The Godfather", "movie", 1972, "R", ["Crime", "Drama"], ["Al Pacino", "Marlon Brando"],
     ["mafia"]),
    ("Cast Away", "movie", 2000, "PG-13", ["Drama", "Adventure"], ["Tom Hanks"], ["island"]),
    ("Paddington", "movie", 2014, "PG", ["Comedy", "Family"], ["Ben Whishaw"], ["bear"]),
    ("Breaking Bad", "series", 2008, "TV-MA", ["Crime", "Drama"], ["Bryan Cranston"], ["drugs"]),
    ("The Crown", "series", 2016, "TV-MA", ["Drama", "History"], ["Claire Foy"], ["royalty"]),
    ("Up", "movie", 2009, "PG", ["Animation", "Adventure"], ["Ed Asner"], ["balloons"]),
]  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    titles: dict[str, int]  # name → id
    adult: int  # profile ids
    kids: int


def seed_catalog(container: Container, *, only_in: dict[str, str] | None = None) -> dict[str, int]:
    """Create the titles; ``only_in`` maps a title name to the one country it is available in."""
    ids: dict[str, int] = {}
    for name, kind, year, rating, genres, people, tags in TITLES:
        windows = [WindowSpec(country=only_in[name])] if only_in and name in only_in else []
        title = container.catalog.create_title(
            kind=TitleKind(kind),
            name=name,
            year=year,
            maturity_rating=rating,
            genres=genres,
            credits=[CreditSpec(role=CreditRole.ACTOR, person_name=p) for p in people],
            tags=tags,
            availability=windows,
        )
        ids[name] = title.id
    return ids


def add_profile(
    container: Container, account_id: int, name: str, *, kids: bool = False, country: str = "US"
) -> int:
    with container.db.session() as s:
        profile = Profile(
            account_id=account_id,
            name=name,
            is_kids=kids,
            maturity_level=7 if kids else 18,
            country=country,
            age_band="25-34",
        )
        s.add(profile)
        s.flush()
        return profile.id


def add_plays(
    container: Container,
    profile_id: int,
    title_ids: list[int],
    *,
    value: float = 1.0,
    at: datetime | None = None,
) -> None:
    """Completed plays (completion ``value``), one second apart, oldest first."""
    start = at or datetime(2026, 1, 1, tzinfo=UTC)
    with container.db.session() as s:
        for offset, title_id in enumerate(title_ids):
            stamp = start.replace(second=offset % 60, minute=offset // 60)
            s.add(
                Interaction(
                    profile_id=profile_id,
                    title_id=title_id,
                    kind="play",
                    value=value,
                    occurred_at=stamp,
                    source="test",
                )
            )
