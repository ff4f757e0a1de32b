"""One router module per resource; ``V1_ROUTERS`` is what ``create_app`` mounts under /v1."""

from fastapi import APIRouter

from marquee.api.routes import (
    auth,
    events,
    genres,
    me,
    people,
    plans,
    profiles,
    subscriptions,
    titles,
    users,
)

V1_ROUTERS: list[APIRouter] = [
    auth.router,
    me.router,
    profiles.router,
    users.router,
    plans.router,
    subscriptions.router,
    titles.router,
    genres.router,
    people.router,
    events.router,
]
