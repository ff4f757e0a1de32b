"""Vector indexes: exact search is the truth, faiss finds nearly all of it, exclusions hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.recs import ann
from marquee.recs.ann import ExactIndex, has_faiss, make_index, recall_at_k
from marquee.recs.errors import InvalidDataError

NEEDS_FAISS = pytest.mark.skipif(
    not has_faiss(), reason="faiss indexes need the torch extra (pip install faiss-cpu)"
)


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """Clustered unit vectors (items) and queries near the clusters, like trained embeddings."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 16))
    items = centres[rng.integers(0, 20, 2000)] + 0.4 * rng.normal(size=(2000, 16))
    queries = centres[rng.integers(0, 20, 200)] + 0.4 * rng.normal(size=(200, 16))
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    return items.astype(np.float32), queries.astype(np.float32)


def test_exact_index_returns_the_highest_inner_products_in_order(vectors: tuple) -> None:
    items, queries = vectors
    ids, scores = ExactIndex().build(items).search(queries, 10)
    truth = np.argsort(-(queries @ items.T), axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(ids, truth)
    assert (np.diff(scores, axis=1) <= 0).all()


@NEEDS_FAISS
@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_faiss_finds_nearly_all_of_the_exact_top_100(vectors: tuple, kind: str) -> None:
    items, queries = vectors
    exact, _ = ExactIndex().build(items).search(queries, 100)
    approx, _ = make_index(kind).build(items).search(queries, 100)
    assert recall_at_k(approx, exact) >= 0.9


@pytest.mark.parametrize("kind", [pytest.param("hnsw", marks=NEEDS_FAISS), "exact"])
def test_excluded_rows_never_come_back_and_k_is_still_filled(vectors: tuple, kind: str) -> None:
    items, queries = vectors
    index = make_index(kind).build(items)
    plain, _ = index.search(queries[:3], 10)
    banned = sp.csr_matrix(
        (np.ones(15), (np.repeat([0, 1, 2], 5), plain[:, :5].ravel())), shape=(3, len(items))
    )
    ids, _ = index.search(queries[:3], 10, exclude=banned)
    for row, banned_row in zip(ids, plain[:, :5], strict=True):
        assert set(banned_row).isdisjoint(row)
        assert (row >= 0).all()


@pytest.mark.parametrize("kind", [pytest.param("hnsw", marks=NEEDS_FAISS), "exact"])
def test_a_saved_index_searches_like_the_original(
    vectors: tuple, kind: str, tmp_path: Path
) -> None:
    items, queries = vectors
    index = make_index(kind).build(items)
    loaded = ann.VectorIndex.load(index.save(tmp_path / "index"))
    assert (loaded.size, loaded.dim) == (len(items), items.shape[1])
    np.testing.assert_array_equal(index.search(queries, 20)[0], loaded.search(queries, 20)[0])


def test_asking_for_more_than_the_index_holds_pads_with_minus_one() -> None:
    index = ExactIndex().build(np.eye(3, dtype=np.float32))
    ids, scores = index.search(np.ones((1, 3), dtype=np.float32), 5)
    assert ids[0, 3:].tolist() == [-1, -1]
    assert np.isneginf(scores[0, 3:]).all()


def test_without_faiss_auto_falls_back_to_exact_and_named_faiss_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ann, "has_faiss", lambda: False)
    assert isinstance(make_index("auto"), ExactIndex)
    with pytest.raises(InvalidDataError, match=r"pip install 'marquee\[torch\]'"):
        make_index("hnsw")


def test_queries_of_the_wrong_width_are_refused_by_name() -> None:
    index = ExactIndex().build(np.eye(4, dtype=np.float32))
    with pytest.raises(InvalidDataError, match=r"ann\.queries: expected 4 columns"):
        index.search(np.ones((2, 3), dtype=np.float32), 2)
    with pytest.raises(InvalidDataError, match=r"ann\.kind"):
        make_index("annoy")
