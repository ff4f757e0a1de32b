"""Build search documents and autocomplete labels from the catalog, a few bulk queries at a time.

Core selects (no ORM objects): a full rebuild reads tens of thousands of titles and every credit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from marquee.storage.db.tables import (
    Credit,
    Genre,
    Interaction,
    Person,
    Title,
    TitleGenre,
    TitleTag,
)
from marquee.storage.search import Label, SearchDocument, Watermark, normalise

_CHUNK = 900  # ids per IN list: under SQLite's old 999 bound-parameter limit


@dataclass(frozen=True)
class Changes:
    """What moved in the catalog since a watermark: titles to rewrite and ids that vanished."""

    changed: list[int]
    removed: list[int]
    watermark: Watermark


def catalog_watermark(s: Session) -> Watermark:
    latest, count = s.execute(select(func.max(Title.updated_at), func.count(Title.id))).one()
    return Watermark(latest, int(count))


def changes_since(s: Session, mark: Watermark, indexed: Collection[int]) -> Changes:
    """Titles updated after ``mark`` and, when the counts disagree, those deleted since."""
    now = catalog_watermark(s)
    query = select(Title.id)
    if mark.updated_at is not None:
        query = query.where(Title.updated_at >= mark.updated_at)
    changed = list(s.scalars(query))
    removed: list[int] = []
    if now.count != mark.count + len(set(changed) - set(indexed)):
        present = set(s.scalars(select(Title.id)))
        removed = sorted(set(indexed) - present)
    return Changes(changed, removed, now)


def documents(s: Session, title_ids: Collection[int] | None = None) -> list[SearchDocument]:
    """One document per title (every title when ``title_ids`` is None)."""
    docs: list[SearchDocument] = []
    for where in _id_filters(Title.id, title_ids):
        rows = s.execute(
            select(Title.id, Title.name, Title.kind, Title.year, Title.maturity_level).where(*where)
        ).all()
        ids = [row[0] for row in rows]
        genres = _genres(s, ids, full=title_ids is None)
        people = _grouped(
            s, select(Credit.title_id, Person.name).join(Person), Credit.title_id, ids, title_ids
        )
        tags = _grouped(
            s, select(TitleTag.title_id, TitleTag.tag), TitleTag.title_id, ids, title_ids
        )
        plays = popularity(s, None if title_ids is None else ids)
        for tid, name, kind, year, level in rows:
            slugs = tuple(slug for slug, _ in genres.get(tid, ()))
            docs.append(
                SearchDocument(
                    title_id=tid,
                    name=normalise(name),
                    people=normalise(" ".join(people.get(tid, ()))),
                    genres=normalise(" ".join(g for _, g in genres.get(tid, ()))),
                    tags=normalise(" ".join(tags.get(tid, ()))),
                    genre_slugs=slugs,
                    kind=kind,
                    year=year,
                    maturity_level=level,
                    popularity=plays.get(tid, 0.0),
                )
            )
    return docs


def popularity(s: Session, title_ids: Collection[int] | None) -> dict[int, float]:
    """``log1p`` of the number of interactions per title: a prior that does not drown text."""
    out: dict[int, float] = {}
    for where in _id_filters(Interaction.title_id, title_ids):
        query = (
            select(Interaction.title_id, func.count()).where(*where).group_by(Interaction.title_id)
        )
        out.update({tid: math.log1p(n) for tid, n in s.execute(query)})
    return out


def title_labels(docs: Collection[SearchDocument], names: dict[int, str]) -> list[Label]:
    return [
        Label("title", str(d.title_id), names[d.title_id], d.popularity, d.maturity_level)
        for d in docs
    ]


def all_labels(s: Session, docs: Collection[SearchDocument]) -> list[Label]:
    """Titles, people (level: the mildest title they are in) and genres, for autocomplete."""
    names = dict(s.execute(select(Title.id, Title.name)).all())
    labels = title_labels(docs, names)
    people = s.execute(
        select(Person.id, Person.name, func.count(Credit.id), func.min(Title.maturity_level))
        .join(Credit, Credit.person_id == Person.id)
        .join(Title, Title.id == Credit.title_id)
        .group_by(Person.id, Person.name)
    )
    labels += [Label("person", str(pid), name, math.log1p(n), lvl) for pid, name, n, lvl in people]
    genres = s.execute(
        select(Genre.slug, Genre.name, func.count(TitleGenre.title_id))
        .join(TitleGenre, TitleGenre.genre_id == Genre.id)
        .group_by(Genre.slug, Genre.name)
    )
    labels += [Label("genre", slug, name, math.log1p(n), 0) for slug, name, n in genres]
    return labels


def title_names(s: Session, title_ids: Collection[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for where in _id_filters(Title.id, title_ids):
        out.update(
            (tid, name) for tid, name in s.execute(select(Title.id, Title.name).where(*where))
        )
    return out


def _genres(s: Session, ids: list[int], *, full: bool) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    base = select(TitleGenre.title_id, Genre.slug, Genre.name).join(Genre)
    for where in _id_filters(TitleGenre.title_id, None if full else ids):
        for tid, slug, name in s.execute(base.where(*where)):
            out[tid].append((slug, name))
    return out


def _grouped(
    s: Session,
    base: object,
    column: QueryableAttribute[int],
    ids: list[int],
    wanted: Collection[int] | None,
) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for where in _id_filters(column, None if wanted is None else ids):
        for tid, value in s.execute(base.where(*where)):  # type: ignore[attr-defined]
            out[tid].append(value)
    return out


def _id_filters(
    column: QueryableAttribute[int], ids: Collection[int] | None
) -> Iterator[list[ColumnElement[bool]]]:
    """No filter when ``ids`` is None; otherwise one ``IN`` list per chunk of ids."""
    if ids is None:
        yield []
        return
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield [column.in_(ordered[start : start + _CHUNK])]


def stamp(value: datetime | None) -> str:
    return value.isoformat() if value else ""
