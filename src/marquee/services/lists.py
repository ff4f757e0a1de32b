"""My List: titles a profile saved for later. Adding and removing publish list events."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.domain.events import Event, EventType, ItemRef
from marquee.errors import Forbidden, NotFound
from marquee.services.events import EventsService
from marquee.services.title_cards import TitleCard, TitleCards
from marquee.services.viewers import Viewer, resolve_viewer
from marquee.storage.db import Database
from marquee.storage.db.tables import MyListEntry, Title

MAX_ENTRIES = 500  # a list longer than this is not a list any more; the oldest go first


class ListsService:
    """Per-profile saved titles; every change becomes an ``add_to_list``/``remove_from_list``."""

    def __init__(
        self, *, db: Database, events: EventsService, cards: TitleCards, clock: Clock
    ) -> None:
        self._db = db
        self._events = events
        self._cards = cards
        self._clock = clock

    def viewer(self, *, account_id: int, profile_id: int) -> Viewer:
        return resolve_viewer(self._db, account_id=account_id, profile_id=profile_id)

    def ids(self, profile_id: int) -> list[int]:
        """The saved titles, most recently added first."""
        with self._db.session() as s:
            return saved_ids(s, profile_id)

    def cards(self, viewer: Viewer) -> list[TitleCard]:
        """Saved titles the profile may watch (a rating can change after saving)."""
        ids = self.ids(viewer.profile_id)
        found = self._cards.get(ids)
        return [found[i] for i in ids if i in found and found[i].maturity_level <= viewer.max_level]

    def add(self, viewer: Viewer, *, title_id: int) -> bool:
        """Save a title; True when it was not saved before (adding twice changes nothing)."""
        with self._db.session() as s:
            level = s.scalar(select(Title.maturity_level).where(Title.id == title_id))
            if level is None:
                raise NotFound(f"no title {title_id}")
            if level > viewer.max_level:
                raise Forbidden("this title is above the profile's maturity level")
            if s.get(MyListEntry, (viewer.profile_id, title_id)) is not None:
                return False
            s.add(
                MyListEntry(profile_id=viewer.profile_id, title_id=title_id, added_at=self._clock())
            )
        self._publish(viewer, EventType.ADD_TO_LIST, title_id)
        return True

    def remove(self, viewer: Viewer, *, title_id: int) -> bool:
        """Unsave a title; True when it was saved (removing twice changes nothing)."""
        with self._db.session() as s:
            entry = s.get(MyListEntry, (viewer.profile_id, title_id))
            if entry is None:
                return False
            s.delete(entry)
        self._publish(viewer, EventType.REMOVE_FROM_LIST, title_id)
        return True

    def _publish(self, viewer: Viewer, kind: EventType, title_id: int) -> None:
        now = self._clock()
        event = Event(
            event_id=uuid.uuid4().hex,
            type=kind,
            profile_id=viewer.profile_id,
            session_id="my-list",
            item=ItemRef(title_id=title_id),
            country=viewer.country,
            client_time=now,
            server_time=now,
        )
        self._events.publish([event])


def saved_ids(s: Session, profile_id: int) -> list[int]:
    """``ListsService.ids`` within a session the caller already holds."""
    return list(
        s.scalars(
            select(MyListEntry.title_id)
            .where(MyListEntry.profile_id == profile_id)
            .order_by(MyListEntry.added_at.desc(), MyListEntry.title_id)
            .limit(MAX_ENTRIES)
        )
    )
