"""Streaming parsers for the three MovieLens file families, yielding typed records.

``u.*`` (ml-100k: ``|`` and tab separated, Latin-1), ``*.dat`` (ml-1m, ml-10m: ``::`` separated)
and ``*.csv`` (ml-20m and later, ml-latest: quoted CSV with a header, UTF-8, CRLF or LF).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from marquee.services.imports.titles import clean_title

NO_GENRES = "(no genres listed)"
# ml-1m's users.dat stores occupations as codes (see its README).
ML1M_OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)  # fmt: skip


class Movie(NamedTuple):
    movie_id: int
    name: str
    year: int | None
    genres: tuple[str, ...]
    release_date: date | None = None


class User(NamedTuple):
    user_id: int
    age: int | None
    gender: str | None
    occupation: str | None
    zip: str | None


class Rating(NamedTuple):
    user_id: int
    movie_id: int
    rating: float
    timestamp: int


class Tag(NamedTuple):
    movie_id: int
    tag: str


class Link(NamedTuple):
    movie_id: int
    imdb_id: str | None
    tmdb_id: str | None


def count_lines(path: Path) -> int:
    """Lines in a file, cheaply, for a progress total."""
    total = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            total += chunk.count(b"\n")
    return total


def _decode(raw: bytes) -> str:
    # ml-1m is Latin-1 and ml-10m mostly UTF-8; try UTF-8 per line, Latin-1 never fails.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        for raw in fh:
            line = _decode(raw).rstrip("\r\n")
            if line.strip():
                yield line


def _release_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d-%b-%Y").date()
    except ValueError:
        return None


# ml-100k ---------------------------------------------------------------------------------


def read_100k_genres(path: Path) -> list[str]:
    """``u.genre``: ``name|index`` lines, in flag order."""
    pairs = [line.split("|") for line in _lines(path)]
    return [name for name, _ in sorted(pairs, key=lambda p: int(p[1]))]


def read_100k_movies(path: Path, genre_names: list[str]) -> Iterator[Movie]:
    """``u.item``: id|title|release date|video date|IMDb URL|19 genre flags."""
    for line in _lines(path):
        fields = line.split("|")
        flags = fields[5 : 5 + len(genre_names)]
        genres = tuple(
            g for g, f in zip(genre_names, flags, strict=False) if f == "1" and g != "unknown"
        )
        released = _release_date(fields[2])
        name, year = clean_title(fields[1])
        if year is None and released is not None:
            year = released.year
        yield Movie(int(fields[0]), name, year, genres, released)


def read_100k_users(path: Path) -> Iterator[User]:
    """``u.user``: id|age|gender|occupation|zip."""
    for line in _lines(path):
        uid, age, gender, occupation, zipcode = line.split("|")[:5]
        yield User(int(uid), int(age), gender, occupation, zipcode)


def read_100k_ratings(path: Path) -> Iterator[Rating]:
    """``u.data``: user, item, rating, timestamp, tab separated."""
    for line in _lines(path):
        uid, mid, rating, ts = line.split()[:4]
        yield Rating(int(uid), int(mid), float(rating), int(ts))


# ml-1m, ml-10m -----------------------------------------------------------------------------


def _genres(field: str) -> tuple[str, ...]:
    return tuple(g for g in field.split("|") if g and g != NO_GENRES)


def read_dat_movies(path: Path) -> Iterator[Movie]:
    """``movies.dat``: MovieID::Title (Year)::Genre|Genre."""
    for line in _lines(path):
        mid, title, genres = line.split("::")[:3]
        name, year = clean_title(title)
        yield Movie(int(mid), name, year, _genres(genres))


def read_dat_users(path: Path) -> Iterator[User]:
    """``users.dat`` (ml-1m): UserID::Gender::Age::Occupation::Zip, age and occupation coded."""
    for line in _lines(path):
        uid, gender, age, occupation, zipcode = line.split("::")[:5]
        code = int(occupation)
        label = ML1M_OCCUPATIONS[code] if 0 <= code < len(ML1M_OCCUPATIONS) else None
        yield User(int(uid), int(age), gender, label, zipcode)


def read_dat_ratings(path: Path) -> Iterator[Rating]:
    """``ratings.dat``: UserID::MovieID::Rating::Timestamp."""
    for line in _lines(path):
        uid, mid, rating, ts = line.split("::")[:4]
        yield Rating(int(uid), int(mid), float(rating), int(ts))


def read_dat_tags(path: Path) -> Iterator[Tag]:
    """``tags.dat`` (ml-10m): UserID::MovieID::Tag::Timestamp."""
    for line in _lines(path):
        fields = line.split("::")
        # A tag may itself contain "::"; it sits between the ids and the timestamp.
        yield Tag(int(fields[1]), "::".join(fields[2:-1]))


# ml-20m, ml-25m, ml-32m, ml-latest ---------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # the header
        for row in reader:
            if row:
                yield row


def read_csv_movies(path: Path) -> Iterator[Movie]:
    """``movies.csv``: movieId,title,genres."""
    for mid, title, genres, *_ in _csv_rows(path):
        name, year = clean_title(title)
        yield Movie(int(mid), name, year, _genres(genres))


def read_csv_ratings(path: Path) -> Iterator[Rating]:
    """``ratings.csv``: userId,movieId,rating,timestamp."""
    for uid, mid, rating, ts, *_ in _csv_rows(path):
        yield Rating(int(uid), int(mid), float(rating), int(ts))


def read_csv_tags(path: Path) -> Iterator[Tag]:
    """``tags.csv``: userId,movieId,tag,timestamp."""
    for _uid, mid, tag, *_ in _csv_rows(path):
        yield Tag(int(mid), tag)


def read_csv_links(path: Path) -> Iterator[Link]:
    """``links.csv``: movieId,imdbId,tmdbId; IMDb ids become ``tt0114709``."""
    for mid, imdb, tmdb, *_ in _csv_rows(path):
        imdb_id = f"tt{int(imdb):07d}" if imdb.strip().isdigit() else None
        tmdb_id = tmdb.strip() if tmdb.strip().isdigit() else None
        yield Link(int(mid), imdb_id, tmdb_id)
