"""The search index interface, its documents and the text normalisation both backends share.

Text is normalised in Python (accents stripped, case folded, punctuation to spaces) before it
reaches either backend, so SQLite FTS5 and PostgreSQL full text tokenise the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

_NON_WORD = re.compile(r"[^0-9a-z]+")
MAX_TOKENS = 8  # a query longer than this is cut: no title needs more words to be found


def normalise(text: str) -> str:
    """``"Amélie — Le Fabuleux"`` → ``"amelie le fabuleux"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``, at most ``MAX_TOKENS``."""
    return normalise(text).split()[:MAX_TOKENS]


@dataclass(frozen=True)
class SearchDocument:
    """One title as the index sees it; text fields are already normalised."""

    title_id: int
    name: str
    people: str
    genres: str
    tags: str
    genre_slugs: tuple[str, ...]
    kind: str
    year: int | None
    maturity_level: int
    popularity: float


@dataclass(frozen=True)
class Label:
    """A thing to autocomplete: a title, a person or a genre."""

    kind: str  # title | person | genre
    ref: str  # title id, person id or genre slug
    text: str
    weight: float
    maturity_level: int


@dataclass(frozen=True)
class SearchFilters:
    genre: str | None = None
    kind: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    max_maturity_level: int = 18


@dataclass(frozen=True)
class Hit:
    """A matching title and its text relevance (higher is better, comparable within a query)."""

    title_id: int
    relevance: float
    popularity: float
    genre_slugs: tuple[str, ...]


@dataclass(frozen=True)
class Watermark:
    """How far the index has caught up with the catalog."""

    updated_at: datetime | None
    count: int


@dataclass(frozen=True)
class IndexUpdate:
    """Documents to (re)write, titles to drop (with their labels), labels to (re)write."""

    documents: Sequence[SearchDocument]
    removed: Collection[int]
    watermark: Watermark
    labels: Sequence[Label] = ()
    reset: bool = False  # drop everything first: a full rebuild


@runtime_checkable
class SearchIndex(Protocol):
    """A full-text index over titles with prefix matching and a vocabulary for spelling."""

    def watermark(self) -> Watermark | None:
        """What the last update recorded, or None for an empty index."""
        ...

    def indexed_ids(self) -> set[int]: ...

    def apply(self, update: IndexUpdate) -> None:
        """Write an update atomically: readers see all of it or none of it."""
        ...

    def match(self, words: Sequence[str], filters: SearchFilters, *, limit: int) -> list[Hit]:
        """Titles containing every word (the last one as a prefix), most relevant first."""
        ...

    def nearest_terms(self, word: str, *, limit: int) -> list[tuple[str, int]]:
        """Vocabulary terms sharing trigrams with ``word``, with their document frequency."""
        ...

    def suggest(self, words: Sequence[str], *, max_maturity_level: int, limit: int) -> list[Label]:
        """Labels whose words start with ``words`` (the last as a prefix), heaviest first."""
        ...

    def close(self) -> None: ...


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance, or ``limit + 1`` beyond it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


def allowed_typos(word: str) -> int:
    """Short words must be exact (else everything matches); longer ones may have one or two."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def trigrams(word: str) -> list[str]:
    """The distinct three-letter substrings of ``word`` (none for shorter words)."""
    return sorted({word[i : i + 3] for i in range(len(word) - 2)})


def vocabulary(documents: Sequence[SearchDocument]) -> dict[str, int]:
    """Every word of the documents' text fields and how many documents hold it."""
    counts: dict[str, int] = {}
    for doc in documents:
        for word in set(f"{doc.name} {doc.people} {doc.genres} {doc.tags}".split()):
            counts[word] = counts.get(word, 0) + 1
    return counts
