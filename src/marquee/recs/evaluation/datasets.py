"""Vectorised loaders for every MovieLens layout and for plain interaction CSVs.

The layout is detected from the files: ``u.data`` (ml-100k, tab-separated), ``ratings.dat``
(ml-1m / ml-10m, ``::``-separated, Latin-1), ``ratings.csv`` (ml-20m / 25m / 32m / latest,
with a header), or a single CSV file in the plain ``user_id,item_id[,rating,timestamp]`` format.
Ratings keep the file's row order (the MS Recommenders split depends on it).
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
DTYPES = {"user_id": np.int64, "item_id": np.int64, "rating": np.float32, "timestamp": np.int64}


@dataclass(frozen=True)
class Dataset:
    """Ratings ``user_id, item_id, rating, timestamp`` plus optional item text for Content."""

    name: str
    layout: str
    ratings: pd.DataFrame
    item_text: pd.DataFrame | None = None


def load_dataset(path: str | Path) -> Dataset:
    """Read a MovieLens folder (any layout) or a plain interactions CSV."""
    root = Path(path)
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


def _genre_text(genres: pd.Series) -> pd.Series:
    """``Action|Sci-Fi`` → ``genre:action genre:sci-fi`` (one token per genre)."""
    return (
        genres.str.lower()
        .str.replace(" ", "-", regex=False)
        .str.split("|")
        .map(lambda parts: " ".join(f"genre:{p}" for p in parts if p and p != "(no-genres-listed)"))
    )


def _with_tags(text: pd.DataFrame, tags: pd.DataFrame | None) -> pd.DataFrame:
    if tags is None or tags.empty:
        return text
    joined = tags.astype({"tag": str}).groupby("item_id")["tag"].agg(" ".join)
    out = text.set_index("item_id")
    out["text"] = out["text"].str.cat(joined.reindex(out.index).fillna(""), sep=" ")
    return out.reset_index()


def _ml100k(root: Path) -> Dataset:
    ratings = pd.read_csv(root / "u.data", sep="\t", names=COLUMNS, header=None)
    text = None
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
                "text": items[1].astype(str) + " " + _genre_text(labels),
            }
        )
    return Dataset("ml-100k", "u.data", _typed(ratings, root / "u.data"), text)


def _ml_dat(root: Path) -> Dataset:
    ratings = _read_separated(root / "ratings.dat", COLUMNS)
    text = None
    if (root / "movies.dat").is_file():
        movies = _read_separated(root / "movies.dat", ["item_id", "title", "genres"])
        text = pd.DataFrame(
            {
                "item_id": movies["item_id"].astype(np.int64),
                "text": movies["title"] + " " + _genre_text(movies["genres"]),
            }
        )
        if (root / "tags.dat").is_file():
            tags = _read_separated(root / "tags.dat", ["user_id", "item_id", "tag", "timestamp"])
            text = _with_tags(text, tags.astype({"item_id": np.int64}))
    name = "ml-1m" if len(ratings) < 2_000_000 else "ml-10m"
    return Dataset(name, "ratings.dat", _typed(ratings, root / "ratings.dat"), text)


def _ml_csv(root: Path) -> Dataset:
    ratings = pd.read_csv(root / "ratings.csv").rename(
        columns={"userId": "user_id", "movieId": "item_id"}
    )
    missing = [c for c in COLUMNS if c not in ratings.columns]
    if missing:
        raise InvalidDataError(str(root / "ratings.csv"), f"missing columns {','.join(missing)}")
    text = None
    if (root / "movies.csv").is_file():
        movies = pd.read_csv(root / "movies.csv", dtype=str, keep_default_na=False)
        text = pd.DataFrame(
            {
                "item_id": movies["movieId"].astype(np.int64),
                "text": movies["title"] + " " + _genre_text(movies["genres"]),
            }
        )
        if (root / "tags.csv").is_file():
            tags = pd.read_csv(root / "tags.csv", dtype={"tag": str}, keep_default_na=False)
            text = _with_tags(text, tags.rename(columns={"movieId": "item_id"}))
    return Dataset(root.name, "ratings.csv", _typed(ratings[COLUMNS], root / "ratings.csv"), text)
