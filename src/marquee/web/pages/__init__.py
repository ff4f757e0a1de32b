"""One router module per concern; ``PAGE_ROUTERS`` is what ``mount_web`` adds at ``/``."""

from fastapi import APIRouter

from marquee.web.pages import (
    account,
    admin,
    admin_experiments,
    artwork,
    auth,
    browse,
    home,
    onboarding,
    profiles,
    search,
    studio,
    watch,
)

PAGE_ROUTERS: list[APIRouter] = [
    auth.router,
    profiles.router,
    account.router,
    onboarding.router,
    home.router,
    browse.router,
    search.router,
    watch.router,
    studio.router,
    artwork.router,
    admin.router,
    admin_experiments.router,
]
