"""Every table, imported so ``Base.metadata`` is complete (Alembic and tests rely on it)."""

from marquee.storage.db.tables.accounts import Account, Profile, RefreshToken
from marquee.storage.db.tables.billing import Payment, Plan, Subscription
from marquee.storage.db.tables.catalog import (
    Credit,
    Episode,
    Genre,
    Person,
    Season,
    Title,
    TitleAvailability,
    TitleGenre,
    TitleLanguage,
    TitleTag,
)
from marquee.storage.db.tables.experiments import Experiment
from marquee.storage.db.tables.interactions import Interaction
from marquee.storage.db.tables.lists import EditorialPin, Exclusion, MyListEntry, OnboardingPick
from marquee.storage.db.tables.media import Job, MediaAsset, MediaSidecar, Upload
from marquee.storage.db.tables.playback import PlaybackSession, WatchProgress

__all__ = [
    "Account",
    "Credit",
    "EditorialPin",
    "Episode",
    "Exclusion",
    "Experiment",
    "Genre",
    "Interaction",
    "Job",
    "MediaAsset",
    "MediaSidecar",
    "MyListEntry",
    "OnboardingPick",
    "Payment",
    "Person",
    "Plan",
    "PlaybackSession",
    "Profile",
    "RefreshToken",
    "Season",
    "Subscription",
    "Title",
    "TitleAvailability",
    "TitleGenre",
    "TitleLanguage",
    "TitleTag",
    "Upload",
    "WatchProgress",
]
