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
from marquee.storage.db.tables.interactions import Interaction

__all__ = [
    "Account",
    "Credit",
    "Episode",
    "Genre",
    "Interaction",
    "Payment",
    "Person",
    "Plan",
    "Profile",
    "RefreshToken",
    "Season",
    "Subscription",
    "Title",
    "TitleAvailability",
    "TitleGenre",
    "TitleLanguage",
    "TitleTag",
]
