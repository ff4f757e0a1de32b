"""Plain interaction CSVs (``user_id,item_id[,rating,timestamp]``): strict, one-line errors.

Rules: the header must start with ``user_id,item_id``; ``rating`` and ``timestamp`` are optional
columns whose cells may be empty; ids must be integers; duplicate (user, item) rows collapse to
one (the highest rating, the latest timestamp).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from marquee.recs.errors import InvalidDataError

OPTIONAL = ("rating", "timestamp")


def _header(path: Path, label: str) -> list[str]:
    if not path.is_file():
        raise InvalidDataError(label, f"file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise InvalidDataError(label, f"{path} is not UTF-8 text") from None
    if first is None:
        raise InvalidDataError(label, f"{path} is empty")
    return [name.strip() for name in first]


def _integers(frame: pd.DataFrame, column: str, label: str) -> pd.Series:
    raw = frame[column].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | (values != np.floor(values.fillna(0)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidDataError(
            label, f"line {row + 2}: {column} must be an integer, got {raw.iloc[row]!r}"
        )
    return values.astype(np.int64)


def _floats(frame: pd.DataFrame, column: str, label: str) -> pd.Series:
    raw = frame[column].astype(str).str.strip().replace({"": None, "nan": None})
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidDataError(
            label, f"line {row + 2}: {column} must be a number, got {raw.iloc[row]!r}"
        )
    return values


def read_ids(path: Path, *, label: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV whose header starts with ``columns`` (all integer ids), other columns ignored."""
    header = _header(path, label)
    if tuple(header[: len(columns)]) != columns:
        want = ",".join(columns)
        raise InvalidDataError(label, f"header must start with {want} (got {','.join(header)})")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(columns))
    return pd.DataFrame({c: _integers(frame, c, label) for c in columns})


def read_interactions(path: Path, *, label: str, allow_empty: bool = False) -> pd.DataFrame:
    """``user_id, item_id, rating (NaN = none), timestamp (0 = none)``, deduplicated."""
    header = _header(path, label)
    if header[:2] != ["user_id", "item_id"]:
        raise InvalidDataError(
            label, f"header must start with user_id,item_id (got {','.join(header)})"
        )
    extra = [c for c in header[2:] if c not in OPTIONAL]
    if extra:
        raise InvalidDataError(
            label, f"unknown columns {','.join(extra)} (allowed: rating,timestamp)"
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "user_id": _integers(frame, "user_id", label),
            "item_id": _integers(frame, "item_id", label),
        }
    )
    rating = _floats(frame, "rating", label) if "rating" in frame else None
    out["rating"] = rating.astype(np.float32) if rating is not None else np.nan
    stamps = _floats(frame, "timestamp", label) if "timestamp" in frame else None
    out["timestamp"] = stamps.fillna(0).astype(np.int64) if stamps is not None else 0
    if out.empty and not allow_empty:
        raise InvalidDataError(label, f"{path} has no rows")
    return collapse_duplicates(out)


def collapse_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (user, item): the highest rating and the latest timestamp."""
    if not frame.duplicated(["user_id", "item_id"]).any():
        return frame.reset_index(drop=True)
    grouped = frame.groupby(["user_id", "item_id"], sort=False, as_index=False)
    return grouped.agg(rating=("rating", "max"), timestamp=("timestamp", "max"))


def write_recommendations(
    path: Path,
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    valid: npt.NDArray[np.bool_],
) -> int:
    """Write ``user_id,item_id,rank`` (rank 1 = best) for the slots marked ``valid``."""
    n, k = items.shape
    ranks = np.broadcast_to(np.arange(1, k + 1), (n, k))
    frame = pd.DataFrame(
        {
            "user_id": np.repeat(users, k).reshape(n, k)[valid],
            "item_id": items[valid],
            "rank": ranks[valid],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)
