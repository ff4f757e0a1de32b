"""What the home page shows a profile: a hero and rows of posters, each with why it is there.

Rows come from the serving layer (``container.home``, the same service as
``GET /v1/profiles/{id}/home``); More Like This from ``container.similar``. Continue Watching is
redrawn here with progress bars and episode captions. Templates see only ``Row`` and ``Tile``.
"""

from __future__ import annotations

from dataclasses import dataclass

from marquee.bootstrap import Container
from marquee.errors import NotFound
from marquee.recs.served import ServedItem, ServedRow
from marquee.services.progress import WatchItem
from marquee.storage.db.tables import Profile
from marquee.web.tiles import Row, Tile

ROW_LENGTH = 20
_POOL = 120


@dataclass(frozen=True)
class Home:
    hero: Tile | None
    hero_synopsis: str
    rows: list[Row]


def home(container: Container, profile: Profile) -> Home:
    page = container.home.home(account_id=profile.account_id, profile_id=profile.id)
    rows = [_row(r) for r in page.rows if r.key != "continue-watching"]
    rows += _unshown_playable(container, profile, rows)
    watching = continue_watching(container, profile)
    if watching.tiles:
        rows = [watching, *rows]
    hero = _hero(rows)
    synopsis = ""
    if hero is not None:
        synopsis = container.catalog.get_title(title_id=hero.title_id).description
    return Home(hero, synopsis, [r for r in rows if r.tiles])


def _row(row: ServedRow) -> Row:
    reasons = list(dict.fromkeys(item.reason for item in row.items))
    # One reason for the whole row ("Because you watched Heat") reads better once, above it;
    # mixed rows (Top Picks) say it under each poster.
    if len(reasons) == 1:
        return Row(row.key, row.title, reasons[0], [_tile(i, caption=False) for i in row.items])
    return Row(row.key, row.title, "", [_tile(i, caption=True) for i in row.items])


def _tile(item: ServedItem, *, caption: bool) -> Tile:
    card = item.card
    meta = _meta(card.year, card.maturity_rating)
    return Tile(card.id, card.name, meta, kind=card.kind, caption=item.reason if caption else "")


def _unshown_playable(container: Container, profile: Profile, rows: list[Row]) -> list[Row]:
    """What is ready to play but on no row yet (a small catalog, a brand-new upload)."""
    shown = {t.title_id for r in rows for t in r.tiles}
    titles, _ = container.catalog.list_titles(
        playable=True,
        country=profile.country,
        max_maturity_level=profile.maturity_level,
        sort="-created",
        limit=_POOL,
    )
    tiles = [
        Tile(t.id, t.name, _meta(t.year, t.maturity_rating), kind=t.kind)
        for t in titles
        if t.id not in shown
    ]
    if not tiles:
        return []
    return [Row("playable", "New on Marquee", "Ready to watch.", tiles[:ROW_LENGTH])]


def _hero(rows: list[Row]) -> Tile | None:
    """The top pick: the first title of the first personal row (not one already started)."""
    for row in rows:
        if row.key != "continue-watching" and row.tiles:
            return row.tiles[0]
    return None


def continue_watching(container: Container, profile: Profile) -> Row:
    items = container.playback.progress.continue_watching(
        account_id=profile.account_id, profile_id=profile.id
    )
    return Row(
        "continue-watching",
        f"Continue Watching for {profile.name}",
        "Pick up where you left off.",
        [_watch_tile(i) for i in items],
    )


def _watch_tile(item: WatchItem) -> Tile:
    href = f"/watch/{item.title_id}"
    caption = ""
    if item.episode is not None:
        href += f"?episode={item.episode.id}"
        caption = f"S{item.episode.season_number}:E{item.episode.number} {item.episode.name}"
    progress = None
    if item.duration_s:
        progress = max(0.0, min(1.0, item.position_s / item.duration_s))
        left = max(0, round((item.duration_s - item.position_s) / 60))
        caption = f"{caption} · {left} min left" if caption else f"{left} min left"
    elif item.reason == "next":
        caption = f"Next: {caption}"
    return Tile(item.title_id, item.title_name, "", href, progress, caption, item.kind)


def similar(container: Container, profile: Profile, title_id: int) -> list[Tile]:
    """More Like This for the profile (the serving layer's item neighbours and taste)."""
    try:
        items = container.similar.similar(
            account_id=profile.account_id, profile_id=profile.id, title_id=title_id
        )
    except NotFound:
        return []
    return [_tile(item, caption=False) for item in items][:ROW_LENGTH]


def genre_name(slug: str) -> str:
    return slug.replace("-", " ").title()


def _meta(year: int | None, rating: str) -> str:
    return f"{year} · {rating}" if year else rating
