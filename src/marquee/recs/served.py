"""The served homepage (rows of hydrated cards) and the real-time adjustments the request path
applies to it: Continue Watching, this session's genres first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from marquee.recs.postrank import Pick
from marquee.recs.rows import Row
from marquee.services.progress import WatchItem
from marquee.services.title_cards import TitleCard

_SESSION_BOOST = 0.5


@dataclass(frozen=True)
class ServedItem:
    card: TitleCard
    reason: str


@dataclass(frozen=True)
class ServedRow:
    key: str
    title: str
    items: list[ServedItem]


@dataclass(frozen=True)
class HomePage:
    profile_id: int
    variant: str
    config: str
    level: str
    model_version: str | None
    generated_at: datetime | None
    rows: list[ServedRow] = field(default_factory=list)
    experiments: dict[str, str] = field(default_factory=dict)  # exposure: {experiment: variant}


def watching_row(items: Sequence[WatchItem]) -> Row:
    picks = [
        Pick(i.title_id, 0.0, "Continue watching" if i.reason == "resume" else "Next episode")
        for i in items
    ]
    return Row("continue-watching", "Continue Watching", picks)


def boost_session_genres(
    items: list[Pick], cards: dict[int, TitleCard], session: frozenset[str]
) -> list[Pick]:
    """Titles in this session's genres move up; the order is otherwise kept."""
    n = len(items)
    ranked = [
        (
            index - (_SESSION_BOOST * n if session.intersection(cards[p.title_id].genres) else 0),
            index,
        )
        for index, p in enumerate(items)
    ]
    return [items[i] for _, i in sorted(ranked)]


def session_order(rows: list[ServedRow], session: frozenset[str]) -> list[ServedRow]:
    """Genre rows of this session's genres come right after the state and top-picks rows."""
    if not session:
        return rows
    lead = [r for r in rows if r.key in ("continue-watching", "my-list", "top-picks")]
    hot = [r for r in rows if r not in lead and r.key.removeprefix("genre-") in session]
    return lead + hot + [r for r in rows if r not in lead and r not in hot]
