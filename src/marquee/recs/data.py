"""Interaction snapshots: stable id maps, a CSR confidence matrix, timestamps and negatives.

Confidence mapping from events (one row per event: ``kind``, ``value``, ``timestamp``):

* ``rate`` — ``s = value / rating_scale``; ``s >= 0.6`` (3 of 5 stars) is a positive with
  confidence ``s``; ``s <= 0.4`` (2 of 5 stars or less) is a negative; in between is dropped.
* ``play`` — ``value`` is completion in [0, 1]; below 0.1 is an early abandon (a negative);
  otherwise a positive with confidence ``min(1, value / 0.9)`` (90 % watched counts as finished).
* ``thumbs_up`` — a positive with confidence 1. ``thumbs_down`` — a negative.
* ``interaction`` — any other implicit signal (a CSV row without a rating): confidence 1.
* ``list`` — added to the watch list: a weak positive, confidence 0.5.

Lake event tables (``from_event_table``) are first reduced to these kinds by ``lake_events.py``
(playback sessions → ``play`` with completion; ``add_to_list`` → ``list``).

Per (user, item) the positive confidence is the maximum over its events and its timestamp the
latest event. An explicit dislike (thumbs down, low rating) removes the positive; an early abandon
counts as a negative only when the pair has no positive. With ``half_life_days`` each positive is
multiplied by ``0.5 ** (age / half_life)`` where age is measured from ``now`` (default: latest
event). Negatives are kept in their own matrix, never mixed into the confidences.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from marquee.recs.errors import InvalidDataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

SECONDS_PER_DAY = 86_400
POSITIVE_RATING, NEGATIVE_RATING = 0.6, 0.4
ABANDON_COMPLETION, FINISHED_COMPLETION = 0.1, 0.9
LIST_CONFIDENCE = 0.5
EVENT_KINDS = frozenset({"rate", "play", "thumbs_up", "thumbs_down", "interaction", "list"})


@dataclass(frozen=True)
class IdMap:
    """Raw ids (sorted, unique) and their contiguous indices; the order depends only on the ids."""

    raw: IntArray

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> IdMap:
        return cls(np.unique(np.asarray(values, dtype=np.int64)))

    def __len__(self) -> int:
        return int(self.raw.shape[0])

    def index(self, raw_ids: npt.ArrayLike) -> IntArray:
        """Indices of ``raw_ids``; -1 for ids this map does not know."""
        ids = np.asarray(raw_ids, dtype=np.int64)
        pos = np.searchsorted(self.raw, ids)
        pos = np.minimum(pos, max(len(self) - 1, 0))
        known = (self.raw[pos] == ids) if len(self) else np.zeros(ids.shape, dtype=bool)
        return np.where(known, pos, -1).astype(np.int64)

    def to_raw(self, indices: npt.ArrayLike) -> IntArray:
        return self.raw[np.asarray(indices, dtype=np.int64)]


@dataclass(frozen=True)
class Interactions:
    """A user × item confidence matrix with per-entry timestamps, identified by its content hash."""

    users: IdMap
    items: IdMap
    matrix: sp.csr_matrix  # float32 confidences, canonical (sorted indices, no duplicates)
    timestamps: IntArray  # seconds since the epoch, aligned with ``matrix.data``; 0 = unknown
    negatives: sp.csr_matrix  # 1.0 where the user disliked or abandoned the item
    user_segments: IntArray | None = None  # segment code per user (country × age band), -1 = none
    snapshot_id: str = field(default="")

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)

    def histories(self, user_ids: npt.ArrayLike) -> sp.csr_matrix:
        """Rows of ``matrix`` for these user indices; unknown (or negative) ones are empty."""
        ids = np.asarray(user_ids, dtype=np.int64)
        known = (ids >= 0) & (ids < self.n_users)
        rows = self.matrix[np.where(known, ids, 0)]
        if not known.all():
            rows = sp.csr_matrix(sp.diags(known.astype(np.float32)) @ rows)
            rows.eliminate_zeros()
        return sp.csr_matrix(rows, dtype=np.float32)

    def binary(self) -> sp.csr_matrix:
        out = self.matrix.copy()
        out.data = np.ones_like(out.data)
        return sp.csr_matrix(out)


def assemble(
    users: IdMap,
    items: IdMap,
    user_idx: IntArray,
    item_idx: IntArray,
    confidence: npt.NDArray[np.floating],
    *,
    timestamps: IntArray | None = None,
    negative: npt.NDArray[np.bool_] | None = None,
    user_segments: IntArray | None = None,
) -> Interactions:
    """A snapshot from aligned index arrays; duplicates keep the max confidence, latest time."""
    n = user_idx.shape[0]
    ts = np.zeros(n, dtype=np.int64) if timestamps is None else timestamps.astype(np.int64)
    neg = np.zeros(n, dtype=bool) if negative is None else negative
    keep = (user_idx >= 0) & (item_idx >= 0)
    frame = pd.DataFrame(
        {"u": user_idx[keep], "i": item_idx[keep], "c": confidence[keep], "t": ts[keep]}
    )
    neg_keep = neg[keep]
    pos = frame[~neg_keep].groupby(["u", "i"], sort=True).agg(c=("c", "max"), t=("t", "max"))
    negs = frame[neg_keep].groupby(["u", "i"], sort=True).size()
    pos = pos[pos["c"] > 0]
    shape = (len(users), len(items))
    pu = pos.index.get_level_values(0).to_numpy(np.int64)
    pi = pos.index.get_level_values(1).to_numpy(np.int64)
    matrix = sp.csr_matrix((pos["c"].to_numpy(np.float32), (pu, pi)), shape=shape, dtype=np.float32)
    matrix.sort_indices()
    # Entries were sorted by (user, item), so they line up with the canonical CSR order.
    stamps = pos["t"].to_numpy(np.int64)
    nu = negs.index.get_level_values(0).to_numpy(np.int64)
    ni = negs.index.get_level_values(1).to_numpy(np.int64)
    negatives = sp.csr_matrix(
        (np.ones(nu.shape[0], dtype=np.float32), (nu, ni)), shape=shape, dtype=np.float32
    )
    # An implicit negative (an abandon) does not survive a positive for the same pair.
    negatives = sp.csr_matrix(negatives - negatives.multiply(matrix > 0), dtype=np.float32)
    negatives.eliminate_zeros()
    snapshot = _snapshot_id(users, items, matrix, stamps, negatives)
    return Interactions(users, items, matrix, stamps, negatives, user_segments, snapshot)


def from_ratings(
    frame: pd.DataFrame,
    *,
    users: IdMap | None = None,
    items: IdMap | None = None,
    binary: bool = False,
) -> Interactions:
    """A snapshot from ``user_id, item_id[, rating, timestamp]``; confidence = rating (or 1).

    Rows whose user or item is outside the given id maps are dropped; a missing rating counts 1.
    """
    for column in ("user_id", "item_id"):
        if column not in frame.columns:
            raise InvalidDataError("interactions", f"missing column {column}")
    users = users or IdMap.from_values(frame["user_id"].to_numpy())
    items = items or IdMap.from_values(frame["item_id"].to_numpy())
    n = len(frame)
    if binary or "rating" not in frame.columns:
        conf = np.ones(n, dtype=np.float32)
    else:
        conf = frame["rating"].fillna(1.0).to_numpy(np.float32)
    ts = frame["timestamp"].fillna(0).to_numpy(np.int64) if "timestamp" in frame else None
    return assemble(
        users,
        items,
        users.index(frame["user_id"].to_numpy()),
        items.index(frame["item_id"].to_numpy()),
        conf,
        timestamps=ts,
    )


def event_confidence(
    kind: npt.NDArray[np.str_], value: npt.NDArray[np.float64], *, rating_scale: float = 5.0
) -> tuple[FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Map events to (confidence, is_negative, is_explicit_negative), vectorised (see module)."""
    unknown = sorted(set(np.unique(kind).tolist()) - EVENT_KINDS)
    if unknown:
        raise InvalidDataError("events.kind", f"unknown kinds {', '.join(map(str, unknown))}")
    scaled = value / rating_scale
    conf = np.zeros(kind.shape[0], dtype=np.float32)
    rate, play = kind == "rate", kind == "play"
    conf[rate & (scaled >= POSITIVE_RATING)] = scaled[rate & (scaled >= POSITIVE_RATING)]
    watched = play & (value >= ABANDON_COMPLETION)
    conf[watched] = np.minimum(1.0, value[watched] / FINISHED_COMPLETION)
    conf[(kind == "thumbs_up") | (kind == "interaction")] = 1.0
    conf[kind == "list"] = LIST_CONFIDENCE
    explicit = (kind == "thumbs_down") | (rate & (scaled <= NEGATIVE_RATING))
    abandon = play & (value < ABANDON_COMPLETION)
    return conf, explicit | abandon, explicit


def from_events(
    frame: pd.DataFrame,
    *,
    rating_scale: float = 5.0,
    half_life_days: float | None = None,
    now: int | None = None,
    items: IdMap | None = None,
) -> Interactions:
    """A snapshot from events ``user_id, item_id, kind, value, timestamp`` (see module doc)."""
    kind = frame["kind"].to_numpy(dtype=str)
    value = frame["value"].fillna(1.0).to_numpy(np.float64)
    ts = frame["timestamp"].to_numpy(np.int64)
    conf, negative, explicit = event_confidence(kind, value, rating_scale=rating_scale)
    if half_life_days is not None and ts.size:
        age = (ts.max() if now is None else now) - ts
        conf *= np.power(0.5, age / (half_life_days * SECONDS_PER_DAY)).astype(np.float32)
    users = IdMap.from_values(frame["user_id"].to_numpy())
    items = items or IdMap.from_values(frame["item_id"].to_numpy())
    u, i = users.index(frame["user_id"].to_numpy()), items.index(frame["item_id"].to_numpy())
    snap = assemble(users, items, u, i, conf, timestamps=ts, negative=negative & ~(conf > 0))
    return _apply_dislikes(snap, u[explicit], i[explicit])


def from_event_table(
    table: object,
    *,
    rating_scale: float = 5.0,
    half_life_days: float | None = None,
    now: int | None = None,
    items: IdMap | None = None,
) -> Interactions:
    """A snapshot from lake events (a pyarrow Table or DataFrame of the lake's flat columns).

    Its ``snapshot_id`` hashes the input rows (in any order) and these settings, so a model's
    version names the exact events it was trained on.
    """
    from marquee.recs import lake_events

    frame = lake_events.as_frame(table)
    kinds = lake_events.to_event_kinds(frame)
    if kinds.empty:
        raise InvalidDataError("events", "no playback, rating, thumb or list events")
    snap = from_events(
        kinds, rating_scale=rating_scale, half_life_days=half_life_days, now=now, items=items
    )
    catalog = None if items is None else hashlib.sha256(items.raw.tobytes()).hexdigest()
    settings = (rating_scale, half_life_days, now, catalog)
    source = lake_events.input_digest(frame, *settings)
    return dataclasses.replace(snap, snapshot_id=source)


def _apply_dislikes(snap: Interactions, users: IntArray, items: IntArray) -> Interactions:
    """Explicit dislikes win over any positive for the same pair (see module docstring)."""
    keep = (users >= 0) & (items >= 0)
    if not keep.any():
        return snap
    shape = snap.matrix.shape
    mask = sp.csr_matrix((np.ones(int(keep.sum())), (users[keep], items[keep])), shape=shape)
    mask.data[:] = 1.0
    coo = snap.matrix.tocoo()
    drop = np.asarray(mask[coo.row, coo.col]).ravel() > 0
    matrix = sp.csr_matrix(
        (coo.data[~drop], (coo.row[~drop], coo.col[~drop])), shape=shape, dtype=np.float32
    )
    matrix.sort_indices()
    stamps = snap.timestamps[~drop]
    negatives = (snap.negatives + mask).astype(bool).astype(np.float32).tocsr()
    snapshot = _snapshot_id(snap.users, snap.items, matrix, stamps, negatives)
    return Interactions(
        snap.users, snap.items, matrix, stamps, negatives, snap.user_segments, snapshot
    )


def segment_codes(countries: Sequence[object], age_bands: Sequence[object]) -> IntArray:
    """One integer code per (country, age band) pair, stable for the same pair of values."""
    keys = [f"{c!s}|{a!s}" for c, a in zip(countries, age_bands, strict=True)]
    digests = [int(hashlib.sha1(k.encode()).hexdigest()[:12], 16) for k in keys]
    return np.asarray(digests, dtype=np.int64)


def _snapshot_id(
    users: IdMap, items: IdMap, matrix: sp.csr_matrix, stamps: IntArray, neg: sp.csr_matrix
) -> str:
    digest = hashlib.sha256()
    for array in (
        users.raw,
        items.raw,
        matrix.indptr,
        matrix.indices,
        matrix.data,
        stamps,
        neg.indptr,
        neg.indices,
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]
