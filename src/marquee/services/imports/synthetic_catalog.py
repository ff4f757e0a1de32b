"""The synthetic catalog: titles with genres, Zipf popularity, series seasons and availability.

Pure generation from a numpy ``Generator``; rows refer to each other by ``external_ref`` and
the writer resolves them to ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from marquee.domain.maturity import level_of
from marquee.services.imports.writer import Row

GENRES = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
    "Fantasy", "History", "Horror", "Kids", "Music", "Mystery", "Romance", "Sci-Fi", "Sport",
    "Thriller", "War", "Western",
)  # fmt: skip
KIDS_GENRES = ("Animation", "Family", "Kids")
FACT_GENRES = ("History", "Music", "Sport", "War", "Crime")
KINDS = ("movie", "series", "documentary")
KIND_SHARES = (0.7, 0.2, 0.1)
COUNTRIES = ("US", "GB", "CA", "DE", "FR", "BR", "IN", "AU")
COUNTRY_SHARES = (0.35, 0.12, 0.08, 0.1, 0.09, 0.1, 0.1, 0.06)
ZIPF_EXPONENT = 1.07

_ADJECTIVES = (
    "Silent", "Broken", "Golden", "Last", "Hidden", "Crimson", "Endless", "Quiet", "Wild",
    "Frozen", "Electric", "Lost", "Midnight", "Burning", "Distant", "Hollow", "Little", "Secret",
    "Northern", "Paper", "Velvet", "Iron", "Bright", "Restless", "Final", "Wandering",
)  # fmt: skip
_NOUNS = (
    "Harbor", "Kingdom", "Signal", "Orchard", "Horizon", "Garden", "Empire", "River", "Station",
    "Winter", "Promise", "Machine", "Island", "Letter", "Mountain", "Shadow", "Circus", "Voyage",
    "Frontier", "Lantern", "Engine", "Forest", "Bridge", "Echo", "Crown", "Tide", "Summer",
)  # fmt: skip
_KIDS_RATINGS = {"movie": ("G", "PG"), "series": ("TV-Y", "TV-Y7", "TV-G")}
_RATINGS = {
    "movie": (("PG", "PG-13", "R", "NC-17", "NR"), (0.15, 0.4, 0.35, 0.03, 0.07)),
    "series": (("TV-PG", "TV-14", "TV-MA"), (0.3, 0.4, 0.3)),
    "documentary": (("G", "PG", "PG-13", "NR"), (0.2, 0.4, 0.3, 0.1)),
}


@dataclass
class Catalog:
    """Generated titles and what hangs off them; ``genre_matrix`` rows (title × genre) sum to 1."""

    titles: list[Row] = field(default_factory=list)
    title_genres: list[tuple[str, str]] = field(default_factory=list)
    seasons: list[Row] = field(default_factory=list)
    episodes: list[Row] = field(default_factory=list)
    availability: list[Row] = field(default_factory=list)
    popularity: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    genre_matrix: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, len(GENRES))))
    # Title index → the only countries it may be watched in (titles absent: everywhere).
    regions: dict[int, set[str]] = field(default_factory=dict)

    def levels(self) -> NDArray[np.int64]:
        return np.array([t["maturity_level"] for t in self.titles], dtype=np.int64)

    def available_in(self, country: str) -> NDArray[np.bool_]:
        mask = np.ones(len(self.titles), dtype=np.bool_)
        for index, countries in self.regions.items():
            mask[index] = country in countries
        return mask


def zipf_popularity(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Popularity ∝ 1 / rank^s over a random ranking of ``n`` titles; sums to 1."""
    ranks = rng.permutation(n) + 1
    weights = 1.0 / ranks.astype(np.float64) ** ZIPF_EXPONENT
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _pick_genres(
    rng: np.random.Generator, kind: str, kids: bool, share: NDArray[np.float64]
) -> list[str]:
    if kind == "documentary":
        return [
            "Documentary",
            *rng.choice(FACT_GENRES, size=int(rng.integers(0, 2)), replace=False),
        ]
    if kids:
        return list(rng.choice(KIDS_GENRES, size=int(rng.integers(1, 3)), replace=False))
    count = 1 + int(rng.binomial(2, 0.45))
    return list(rng.choice(GENRES, size=count, replace=False, p=share))


def _name(rng: np.random.Generator, kind: str) -> str:
    base = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    if kind == "documentary":
        return f"Inside the {base}"
    return base if rng.random() < 0.6 else f"The {base}"


def _rating(rng: np.random.Generator, kind: str, kids: bool) -> str:
    if kids:
        return str(rng.choice(_KIDS_RATINGS["series" if kind == "series" else "movie"]))
    names, shares = _RATINGS[kind]
    return str(rng.choice(names, p=shares))


def _description(rng: np.random.Generator, kind: str, genre: str) -> str:
    article = "An" if genre[0] in "AEIOU" else "A"
    return f"{article} {genre.lower()} {kind} about the {str(rng.choice(_NOUNS)).lower()}."


def _runtime(rng: np.random.Generator, kind: str) -> int:
    low, high = {"movie": (80, 150), "series": (22, 60), "documentary": (45, 110)}[kind]
    return int(rng.integers(low, high + 1))


def _title(
    rng: np.random.Generator, *, ref: str, kind: str, kids: bool, genres: list[str], reference: date
) -> Row:
    year = max(1930, reference.year - int(rng.exponential(10.0)))
    released = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    rating = _rating(rng, kind, kids)
    return {
        "external_ref": ref,
        "kind": kind,
        "name": _name(rng, kind),
        "description": _description(rng, kind, genres[0]),
        "release_date": min(released, reference),
        "year": year,
        "runtime_minutes": _runtime(rng, kind),
        "maturity_rating": rating,
        "maturity_level": level_of(rating),
        "downloadable": bool(rng.random() < 0.3),
    }


def _series_parts(rng: np.random.Generator, catalog: Catalog, title: Row) -> None:
    for season in range(1, int(rng.integers(2, 5)) + 1):
        catalog.seasons.append(
            {"title_ref": title["external_ref"], "number": season, "name": f"Season {season}"}
        )
        for episode in range(1, int(rng.integers(6, 11)) + 1):
            catalog.episodes.append(
                {
                    "title_ref": title["external_ref"],
                    "season_number": season,
                    "number": episode,
                    "name": f"Episode {episode}",
                    "runtime_minutes": title["runtime_minutes"],
                }
            )


def _windows(rng: np.random.Generator, catalog: Catalog, index: int, now: datetime) -> None:
    """A few titles are licensed only in some countries, for a limited time."""
    ref = catalog.titles[index]["external_ref"]
    countries = [str(c) for c in rng.choice(COUNTRIES, size=int(rng.integers(1, 4)), replace=False)]
    catalog.regions[index] = set(countries)
    for country in countries:
        starts = now - timedelta(days=int(rng.integers(200, 400)))
        ends = None if rng.random() < 0.3 else now + timedelta(days=int(rng.integers(10, 300)))
        catalog.availability.append(
            {"title_ref": ref, "country": country, "starts_at": starts, "ends_at": ends}
        )


def generate_catalog(
    rng: np.random.Generator, *, titles: int, prefix: str, reference: datetime
) -> Catalog:
    """``titles`` titles: ~70% movies, 20% series, 10% documentaries; ~20% for kids."""
    catalog = Catalog(popularity=zipf_popularity(rng, titles))
    share = rng.dirichlet(np.full(len(GENRES), 2.0))
    share[GENRES.index("Kids")] = 0.0  # "Kids" marks the titles made for kids, rated for them
    share /= share.sum()
    matrix = np.zeros((titles, len(GENRES)))
    for i in range(titles):
        kind = str(rng.choice(KINDS, p=KIND_SHARES))
        kids = kind != "documentary" and rng.random() < 0.2
        genres = _pick_genres(rng, kind, kids, share)
        title = _title(
            rng,
            ref=f"{prefix}:title:{i}",
            kind=kind,
            kids=kids,
            genres=genres,
            reference=reference.date(),
        )
        catalog.titles.append(title)
        catalog.title_genres.extend((title["external_ref"], str(g)) for g in genres)
        matrix[i, [GENRES.index(str(g)) for g in genres]] = 1.0 / len(genres)
        if kind == "series":
            _series_parts(rng, catalog, title)
        if rng.random() < 0.05:
            _windows(rng, catalog, i, reference)
    catalog.genre_matrix = matrix
    return catalog
