"""Vectorised loaders for every MovieLens layout and for plain interaction CSVs.

The layout is detected from the files: ``u.data`` (ml-100k, tab-separated), ``ratings.dat``
(ml-1m / ml-10m, ``::``-separated, Latin-1), ``ratings.csv`` (ml-20m / 25m / 32m / latest,
with a header), a single CSV file in the plain ``user_id,item_id[,rating,timestamp]`` format, or
a ``sqlite:///`` / ``postgresql://`` URL of Marquee's own database (see ``platform.py``).
Ratings keep the file's row order (the MS Recommenders split depends on it). Item genres come
from ``u.item`` + ``u.genre``, ``movies.dat`` or ``movies.csv`` where present.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from marquee.recs.csvfiles import read_interactions
from marquee.recs.errors import InvalidDataError

COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
DATABASE_SCHEMES = ("sqlite:", "postgresql:", "postgresql+psycopg:")
NO_GENRES = frozenset({"", "(no genres listed)", "unknown"})  # ml-latest, ml-100k: none
DTYPES = {"user_id": np.int64, "item_id": np.int64, "rating": np.float32, "timestamp": np.int64}


@dataclass(frozen=True)
class Dataset:
    """Ratings ``user_id, item_id, rating, timestamp``; optional item text and genre rows.

    ``item_genres`` holds one ``item_id, genre`` row per pair (for intra-list diversity).
    """

    name: str
    layout: str
    ratings: pd.DataFrame
    item_text: pd.DataFrame | None = None
    item_genres: pd.DataFrame | None = None


def load_dataset(path: str | Path) -> Dataset:
    """Read a MovieLens folder (any layout), a plain interactions CSV or a database URL."""
    if isinstance(path, str) and path.startswith(DATABASE_SCHEMES):
        from marquee.recs.evaluation.platform import load_platform

        return load_platform(path)
    root = Path(path)
    if str(root).startswith(DATABASE_SCHEMES) and not root.exists():
        # pathlib folds "sqlite:///a" into "sqlite:/a", so the URL cannot be recovered.
        raise InvalidDataError("--data", "pass a database URL as a string, not as a path")
    if root.is_file():
        return Dataset(root.stem, "csv", read_interactions(root, label=str(root)))
    if not root.is_dir():
        raise InvalidDataError("--data", f"not found: {root}")
    if (root / "u.data").is_file():
        return _ml100k(root)
    if (root / "ratings.dat").is_file():
        return _ml_dat(root)
    if (root / "ratings.csv").is_file():
        return _ml_csv(root)
    raise InvalidDataError("--data", f"{root} holds no u.data, ratings.dat or ratings.csv")


def _typed(frame: pd.DataFrame, where: Path) -> pd.DataFrame:
    try:
        return frame.astype(DTYPES)
    except (ValueError, TypeError) as exc:
        raise InvalidDataError(str(where), f"unexpected values ({exc})") from None


def _read_separated(path: Path, names: list[str], *, encoding: str = "latin-1") -> pd.DataFrame:
    """``::``-separated MovieLens files: swap the separator for a tab, then use the C parser."""
    raw = path.read_bytes().replace(b"::", b"\t")
    return pd.read_csv(
        io.BytesIO(raw),
        sep="\t",
        names=names,
        header=None,
        encoding=encoding,
        quoting=csv.QUOTE_NONE,
        dtype=str if "title" in names or "tag" in names else None,
        keep_default_na=False,
    )


def genre_text(genres: pd.Series) -> pd.Series:
    """``Action|Sci-Fi`` → ``genre:action genre:sci-fi`` (one token per genre)."""
    return (
        genres.str.lower()
        .str.replace(" ", "-", regex=False)
        .str.split("|")
        .map(lambda parts: " ".join(f"genre:{p}" for p in parts if p and p != "(no-genres-listed)"))
    )


def genre_rows(item_ids: pd.Series, genres: pd.Series) -> pd.DataFrame | None:
    """``item_id, genre`` pairs from ``|``-separated genre lists; None when there are none."""
    pairs = pd.DataFrame({"item_id": item_ids.astype(np.int64), "genre": genres.str.split("|")})
    pairs = pairs.explode("genre")
    pairs = pairs[pairs["genre"].notna() & ~pairs["genre"].isin(NO_GENRES)]
    pairs = pairs.drop_duplicates().reset_index(drop=True)
    return None if pairs.empty else pairs.astype({"genre": str})


def _with_tags(text: pd.DataFrame, tags: pd.DataFrame | None) -> pd.DataFrame:
    if tags is None or tags.empty:
        return text
    joined = tags.astype({"tag": str}).groupby("item_id")["tag"].agg(" ".join)
    out = text.set_index("item_id")
    out["text"] = out["text"].str.cat(joined.reindex(out.index).fillna(""), sep=" ")
    return out.reset_index()


def _ml100k(root: Path) -> Dataset:
    ratings = pd.read_csv(root / "u.data", sep="\t", names=COLUMNS, header=None)
    text = genres_of = None
    if (root / "u.item").is_file() and (root / "u.genre").is_file():
        genres = pd.read_csv(root / "u.genre", sep="|", names=["name", "id"], encoding="latin-1")
        names = [str(g) for g in genres.dropna()["name"]]
        items = pd.read_csv(
            root / "u.item", sep="|", header=None, encoding="latin-1", quoting=csv.QUOTE_NONE
        )
        flags = items.iloc[:, 5 : 5 + len(names)].to_numpy(dtype=bool)
        labels = pd.Series(["|".join(np.asarray(names)[row]) for row in flags])
        text = pd.DataFrame(
            {
                "item_id": items[0].astype(np.int64),
                "text": items[1].astype(str) + " " + genre_text(labels),
            }
        )
        genres_of = genre_rows(items[0], labels)
    return Dataset("ml-100k", "u.data", _typed(ratings, root / "u.data"), text, genres_of)


def _ml_dat(root: Path) -> Dataset:
    ratings = _read_separated(root / "ratings.dat", COLUMNS)
    text = genres_of = None
    if (root / "movies.dat").is_file():
        movies = _read_separated(root / "movies.dat", ["item_id", "title", "genres"])
        text = pd.DataFrame(
            {
                "item_id": movies["item_id"].astype(np.int64),
                "text": movies["title"] + " " + genre_text(movies["genres"]),
            }
        )
        genres_of = genre_rows(movies["item_id"], movies["genres"])
        if (root / "tags.dat").is_file():
            tags = _read_separated(root / "tags.dat", ["user_id", "item_id", "tag", "timestamp"])
            text = _with_tags(text, tags.astype({"item_id": np.int64}))
    name = "ml-1m" if len(ratings) < 2_000_000 else "ml-10m"
    return Dataset(name, "ratings.dat", _typed(ratings, root / "ratings.dat"), text, genres_of)


def _ml_csv(root: Path) -> Dataset:
    ratings = pd.read_csv(root / "ratings.csv").rename(
        columns={"userId": "user_id", "movieId": "item_id"}
    )
    missing = [c for c in COLUMNS if c not in ratings.columns]
    if missing:
        raise InvalidDataError(str(root / "ratings.csv"), f"missing columns {','.join(missing)}")
    text = genres_of = None
    if (root / "movies.csv").is_file():
        movies = pd.read_csv(root / "movies.csv", dtype=str, keep_default_na=False)
        text = pd.DataFrame(
            {
                "item_id": movies["movieId"].astype(np.int64),
                "text": movies["title"] + " " + genre_text(movies["genres"]),
            }
        )
        genres_of = genre_rows(movies["movieId"], movies["genres"])
        if (root / "tags.csv").is_file():
            tags = pd.read_csv(root / "tags.csv", dtype={"tag": str}, keep_default_na=False)
            text = _with_tags(text, tags.rename(columns={"movieId": "item_id"}))
    typed = _typed(ratings[COLUMNS], root / "ratings.csv")
    return Dataset(root.name, "ratings.csv", typed, text, genres_of)
