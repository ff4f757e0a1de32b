"""My List (through the lists service) and onboarding picks (through the serving layer's
onboarding service, ``container.onboarding``) for the pages."""

from __future__ import annotations

from sqlalchemy import exists, select

from marquee.bootstrap import Container
from marquee.recs.coldstart import MAX_PICKS, MIN_PICKS
from marquee.storage.db.tables import MyListEntry, OnboardingPick, Profile, WatchProgress
from marquee.web.tiles import Tile

__all__ = ["MAX_PICKS", "MIN_PICKS", "needs_onboarding", "save_picks", "set_saved", "tiles"]


def saved_ids(container: Container, profile: Profile) -> set[int]:
    return set(container.lists.ids(profile.id))


def tiles(container: Container, profile: Profile) -> list[Tile]:
    """The profile's list (what it may watch), most recently added first."""
    lists = container.lists
    viewer = lists.viewer(account_id=profile.account_id, profile_id=profile.id)
    return [
        Tile(c.id, c.name, f"{c.year or ''} {c.maturity_rating}".strip(), kind=c.kind)
        for c in lists.cards(viewer)
    ]


def set_saved(container: Container, profile: Profile, *, title_id: int, saved: bool) -> bool:
    """Put the title on the list or take it off (the lists service's rules and events);
    answers whether it is on the list now."""
    lists = container.lists
    viewer = lists.viewer(account_id=profile.account_id, profile_id=profile.id)
    if saved:
        lists.add(viewer, title_id=title_id)
    else:
        lists.remove(viewer, title_id=title_id)
    return saved


def needs_onboarding(container: Container, profile: Profile) -> bool:
    """A profile with no picks, no list and nothing watched has nothing to personalise from."""
    with container.db.session() as s:
        known = s.scalar(
            select(
                exists().where(OnboardingPick.profile_id == profile.id)
                | exists().where(MyListEntry.profile_id == profile.id)
                | exists().where(WatchProgress.profile_id == profile.id)
            )
        )
    return not known


def picked_ids(container: Container, profile: Profile) -> list[int]:
    return container.onboarding.picks(profile.id).titles


def save_picks(container: Container, profile: Profile, title_ids: list[int]) -> None:
    """Record the titles picked at onboarding through the serving layer's onboarding service
    (stored in ``onboarding_picks``, each also a ``thumbs_up``); home shows rows from them at
    once."""
    viewer = container.home.viewer(account_id=profile.account_id, profile_id=profile.id)
    container.onboarding.save(viewer, title_ids=title_ids, genres=[])
    container.home.forget(profile.id)
