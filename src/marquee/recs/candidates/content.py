"""Content model: TF-IDF over item text (title, genres, tags, people, description).

A user's profile is the confidence-weighted sum of the item vectors they interacted with; items
are ranked by cosine to that profile, so items nobody has watched rank as well as any other.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from marquee.recs.candidates.base import (
    FloatArray,
    IntArray,
    ParamValue,
    Recommender,
    State,
    csr_from_state,
    csr_state,
)
from marquee.recs.data import IdMap, Interactions

_TOKEN = re.compile(r"[^\W_][\w:'-]*", re.UNICODE)


def tfidf(texts: list[str], *, min_df: int = 1) -> sp.csr_matrix:
    """Rows of L2-normalised TF-IDF (sublinear tf, smooth idf ``ln((1+n)/(1+df)) + 1``)."""
    tokens = [_TOKEN.findall(text.lower()) for text in texts]
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = np.asarray([tok for doc in tokens for tok in doc], dtype=object)
    if flat.size == 0:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    vocab, codes = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(texts)), lengths)
    counts = sp.csr_matrix(
        (np.ones(codes.shape[0], dtype=np.float32), (rows, codes)),
        shape=(len(texts), vocab.shape[0]),
    )
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=vocab.shape[0])
    keep = np.flatnonzero(df >= min_df)
    counts = sp.csr_matrix(counts[:, keep])
    idf = np.log((1.0 + len(texts)) / (1.0 + df[keep])) + 1.0
    counts.data = (1.0 + np.log(counts.data)).astype(np.float32)
    weighted = sp.csr_matrix(counts @ sp.diags(idf.astype(np.float32)), dtype=np.float32)
    return _normalise_rows(weighted)


def _normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inv = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
    return sp.csr_matrix(sp.diags(inv) @ matrix, dtype=np.float32)


class Content(Recommender):
    """Cosine between a user's TF-IDF profile and each item; needs ``item_text`` to fit.

    ``item_text`` is a frame ``item_id, text``; items of the snapshot without text get no score.
    """

    name = "content"
    needs_item_text = True
    search_space: ClassVar[dict[str, list[ParamValue]]] = {"min_df": [1, 2, 5]}

    def __init__(self, *, min_df: int = 2, item_text: pd.DataFrame | None = None) -> None:
        super().__init__(min_df=min_df)
        self.min_df = min_df
        self.item_text = item_text
        self._vectors = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, interactions: Interactions) -> None:
        self._vectors = item_vectors(self.item_text, interactions.items, min_df=self.min_df)

    def _scores(self, user_ids: IntArray, histories: sp.csr_matrix, *, folded: bool) -> FloatArray:
        profiles = _normalise_rows(sp.csr_matrix(histories @ self._vectors))
        return np.asarray((profiles @ self._vectors.T).todense(), dtype=np.float32)

    def _item_scores(self, item_ids: IntArray) -> FloatArray:
        return np.asarray((self._vectors[item_ids] @ self._vectors.T).todense(), dtype=np.float32)

    def _state(self) -> State:
        return csr_state("vectors", self._vectors)

    def _restore(self, state: State) -> None:
        self._vectors = csr_from_state("vectors", state)


def item_vectors(text: pd.DataFrame | None, items: IdMap, *, min_df: int) -> sp.csr_matrix:
    """TF-IDF rows aligned with ``items``; an item without text gets an empty row."""
    docs = [""] * len(items)
    if text is not None and len(text):
        idx = items.index(text["item_id"].to_numpy())
        for position, body in zip(idx, text["text"].astype(str), strict=True):
            if position >= 0:
                docs[position] = f"{docs[position]} {body}"
    return tfidf(docs, min_df=min_df)
