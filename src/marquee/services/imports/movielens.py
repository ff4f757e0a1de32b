"""Import a MovieLens dataset directory: detect its layout, then titles, users and ratings.

Idempotent through ``external_ref``: MovieLens movie ids are one id space from ml-1m on
(``movielens:movie:{id}``), ml-100k has its own (``ml-100k:movie:{id}``), and users are per
dataset (``{dataset}:user:{id}``, on the account and its single profile).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from marquee.errors import MarqueeError
from marquee.services.imports import movielens_formats as fmt
from marquee.services.imports.demographics import age_band
from marquee.services.imports.events import EventSink, publishing
from marquee.services.imports.writer import (
    BATCH_SIZE,
    BulkWriter,
    ImportReport,
    ProgressFn,
    Row,
    batched,
    no_progress,
)
from marquee.storage.db import Database


class DatasetError(MarqueeError):
    """The path is missing or holds no dataset we can read; the message says what was expected."""


class Layout(StrEnum):
    ML_100K = "ml-100k"
    ML_1M = "ml-1m"
    ML_10M = "ml-10m"
    ML_CSV = "ml-latest"  # ml-20m, ml-25m, ml-32m, ml-latest, ml-latest-small


# The files that identify each layout, checked in this order.
MARKERS: tuple[tuple[Layout, tuple[str, ...]], ...] = (
    (Layout.ML_100K, ("u.data", "u.item")),
    (Layout.ML_1M, ("ratings.dat", "movies.dat", "users.dat")),
    (Layout.ML_10M, ("ratings.dat", "movies.dat")),
    (Layout.ML_CSV, ("ratings.csv", "movies.csv")),
)
_KNOWN_NAMES: dict[str, Layout] = {
    "ml-100k": Layout.ML_100K,
    "ml-1m": Layout.ML_1M,
    "ml-10m": Layout.ML_10M,
    **{f"ml-{n}": Layout.ML_CSV for n in ("20m", "25m", "32m", "latest", "latest-small")},
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


@dataclass(frozen=True)
class Dataset:
    """A detected dataset: where its files are, their layout, and the name used as source."""

    directory: Path
    layout: Layout
    name: str

    def file(self, name: str) -> Path:
        return self.directory / name

    def has(self, name: str) -> bool:
        return self.file(name).is_file()

    @property
    def movie_ref_prefix(self) -> str:
        return "ml-100k:movie" if self.layout is Layout.ML_100K else "movielens:movie"


def _layout_of(directory: Path) -> Layout | None:
    for layout, files in MARKERS:
        if all((directory / f).is_file() for f in files):
            return layout
    return None


def detect(path: Path, *, name: str | None = None) -> Dataset:
    """The layout of ``path``, or of its one subdirectory with one (unzipped archives nest)."""
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise DatasetError(f"{path}: not a directory; unzip the MovieLens archive first")
    found = [(path, layout)] if (layout := _layout_of(path)) else []
    if not found:
        subdirs = sorted(p for p in path.iterdir() if p.is_dir())
        found = [(d, lay) for d in subdirs if (lay := _layout_of(d)) is not None]
    if len(found) > 1:
        names = ", ".join(d.name for d, _ in found)
        raise DatasetError(f"{path}: several datasets found ({names}); give one of them")
    if not found:
        expected = "; ".join(f"{lay.value}: {', '.join(files)}" for lay, files in MARKERS)
        raise DatasetError(f"{path}: no MovieLens layout found (expected {expected})")
    directory, layout = found[0]
    return Dataset(directory, layout, _dataset_name(directory, layout, name))


def _dataset_name(directory: Path, layout: Layout, name: str | None) -> str:
    if name is not None:
        if not _NAME.match(name):
            raise DatasetError(f"--name {name!r}: use 1-32 of a-z, 0-9, '.', '_', '-'")
        return name
    # A directory named after a known dataset of this layout names it; otherwise the layout does.
    guess = directory.name.lower()
    return guess if _KNOWN_NAMES.get(guess) is layout else layout.value


# -- reading ------------------------------------------------------------------------------------


def read_movies(ds: Dataset) -> Iterator[fmt.Movie]:
    if ds.layout is Layout.ML_100K:
        genres = fmt.read_100k_genres(ds.file("u.genre")) if ds.has("u.genre") else []
        return fmt.read_100k_movies(ds.file("u.item"), genres)
    if ds.layout is Layout.ML_CSV:
        return fmt.read_csv_movies(ds.file("movies.csv"))
    return fmt.read_dat_movies(ds.file("movies.dat"))


def read_users(ds: Dataset) -> Iterator[fmt.User]:
    if ds.layout is Layout.ML_100K and ds.has("u.user"):
        return fmt.read_100k_users(ds.file("u.user"))
    if ds.layout is Layout.ML_1M:
        return fmt.read_dat_users(ds.file("users.dat"))
    return iter(())  # later datasets name users only in their ratings


def ratings_file(ds: Dataset) -> Path:
    return ds.file(
        {Layout.ML_100K: "u.data", Layout.ML_CSV: "ratings.csv"}.get(ds.layout, "ratings.dat")
    )


def read_ratings(ds: Dataset) -> Iterator[fmt.Rating]:
    if ds.layout is Layout.ML_100K:
        return fmt.read_100k_ratings(ratings_file(ds))
    if ds.layout is Layout.ML_CSV:
        return fmt.read_csv_ratings(ratings_file(ds))
    return fmt.read_dat_ratings(ratings_file(ds))


def read_tags(ds: Dataset) -> Iterator[fmt.Tag]:
    if ds.layout is Layout.ML_CSV and ds.has("tags.csv"):
        return fmt.read_csv_tags(ds.file("tags.csv"))
    if ds.layout is Layout.ML_10M and ds.has("tags.dat"):
        return fmt.read_dat_tags(ds.file("tags.dat"))
    return iter(())


def read_links(ds: Dataset) -> dict[int, fmt.Link]:
    if ds.layout is Layout.ML_CSV and ds.has("links.csv"):
        return {link.movie_id: link for link in fmt.read_csv_links(ds.file("links.csv"))}
    return {}


# -- rows ---------------------------------------------------------------------------------------


def title_row(ds: Dataset, movie: fmt.Movie, link: fmt.Link | None) -> Row:
    return {
        "external_ref": f"{ds.movie_ref_prefix}:{movie.movie_id}",
        "kind": "movie",
        "name": movie.name[:300],
        "description": "",
        "release_date": movie.release_date,
        "year": movie.year,
        "maturity_rating": "NR",
        "maturity_level": 18,
        "downloadable": False,
        "imdb_id": link.imdb_id if link else None,
        "tmdb_id": link.tmdb_id if link else None,
    }


def clean_tag(tag: str) -> str:
    return tag.strip().lower()[:100].strip()


def tag_weights(tags: Iterable[fmt.Tag], title_ids: dict[int, int]) -> dict[tuple[int, str], int]:
    """How many times each (title, tag) was applied; tags of unknown movies are dropped."""
    counts: Counter[tuple[int, str]] = Counter()
    for tag in tags:
        title_id, text = title_ids.get(tag.movie_id), clean_tag(tag.tag)
        if title_id is not None and text:
            counts[title_id, text] += 1
    return dict(counts)


@dataclass
class Users:
    """MovieLens users → profile ids, creating account and profile on first sight."""

    writer: BulkWriter
    dataset: str
    profile_ids: dict[int, int] = field(default_factory=dict)

    def ensure(self, users: Iterable[fmt.User], *, total: int | None = None) -> None:
        fresh = [u for u in users if u.user_id not in self.profile_ids]
        if not fresh:
            return
        refs = {u.user_id: f"{self.dataset}:user:{u.user_id}" for u in fresh}
        account_ids = self.writer.accounts(
            [self._account(u, refs[u.user_id]) for u in fresh], total=total
        )
        profiles = [self._profile(u, refs[u.user_id], account_ids[refs[u.user_id]]) for u in fresh]
        by_ref = self.writer.profiles(profiles, total=total)
        self.profile_ids.update({u.user_id: by_ref[refs[u.user_id]] for u in fresh})

    def ensure_ids(self, user_ids: Iterable[int]) -> None:
        unknown = sorted(set(user_ids) - self.profile_ids.keys())
        self.ensure(fmt.User(uid, None, None, None, None) for uid in unknown)

    def _account(self, user: fmt.User, ref: str) -> Row:
        email = f"{self.dataset}-user-{user.user_id}@movielens.invalid"
        return {"email": email, "password_hash": None, "role": "viewer", "external_ref": ref}

    def _profile(self, user: fmt.User, ref: str, account_id: int) -> Row:
        attributes = {"gender": user.gender, "occupation": user.occupation, "zip": user.zip}
        return {
            "account_id": account_id,
            "name": f"User {user.user_id}",
            "country": "US",
            "age_band": age_band(user.age),
            "attributes": {k: v for k, v in attributes.items() if v},
            "external_ref": ref,
        }


def rating_rows(
    ratings: Iterable[fmt.Rating], title_ids: dict[int, int], users: Users, *, batch_size: int
) -> Iterator[Row]:
    """Interaction rows for ratings, creating unseen users a batch at a time."""
    for chunk in batched(ratings, batch_size):
        users.ensure_ids(r.user_id for r in chunk)
        for r in chunk:
            title_id = title_ids.get(r.movie_id)
            if title_id is None:
                continue  # a rating of a movie the movies file does not list
            yield {
                "profile_id": users.profile_ids[r.user_id],
                "title_id": title_id,
                "kind": "rate",
                "value": r.rating,
                "occurred_at": datetime.fromtimestamp(r.timestamp, UTC),
                "source": users.dataset,
            }


# -- the import ---------------------------------------------------------------------------------


def import_movielens(
    db: Database,
    path: Path,
    *,
    now: datetime,
    name: str | None = None,
    progress: ProgressFn = no_progress,
    batch_size: int = BATCH_SIZE,
    events: EventSink | None = None,
) -> ImportReport:
    """Import the dataset at ``path``; a second run adds nothing.

    With ``events``, every rating is also published as ``rate`` (and thumb) events.
    """
    ds = detect(path, name=name)
    writer = BulkWriter(db, now=now, progress=progress, batch_size=batch_size)
    movies = list(read_movies(ds))
    links = read_links(ds)
    genre_ids = writer.genres(g for m in movies for g in m.genres)
    refs = writer.titles([title_row(ds, m, links.get(m.movie_id)) for m in movies])
    title_ids = {m.movie_id: refs[f"{ds.movie_ref_prefix}:{m.movie_id}"] for m in movies}
    writer.title_genres((title_ids[m.movie_id], genre_ids[g]) for m in movies for g in m.genres)
    writer.title_tags(tag_weights(read_tags(ds), title_ids))
    users = Users(writer, ds.name)
    known = list(read_users(ds))
    users.ensure(known, total=len(known) or None)
    header_lines = 1 if ds.layout is Layout.ML_CSV else 0
    total = max(fmt.count_lines(ratings_file(ds)) - header_lines, 0)
    rows = rating_rows(read_ratings(ds), title_ids, users, batch_size=batch_size)
    if events is not None:
        rows = publishing(rows, events, writer.report)
    writer.interactions(rows, total=total)
    return writer.report
