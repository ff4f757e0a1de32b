"""Dependencies of the pages as ``Annotated`` aliases: the renderer, the viewer, the profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from marquee.api.schemas.catalog import MAX_ID
from marquee.bootstrap import Container
from marquee.errors import NotFound
from marquee.storage.db.tables import Profile
from marquee.web.render import Renderer
from marquee.web.session import Viewer, container_of, current_viewer, selected_profile_id


class ProfileRequired(Exception):
    """The page needs a chosen profile; answered with a redirect to the profile picker."""


def get_renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.web_renderer
    return renderer


def current_profile(
    request: Request, viewer: Annotated[Viewer, Depends(current_viewer)]
) -> Profile:
    """The profile chosen in this browser, if it still belongs to the viewer's account."""
    profile_id = selected_profile_id(request, account_id=viewer.account_id)
    if profile_id is None:
        raise ProfileRequired
    try:
        return container_of(request).accounts.get_profile(
            account_id=viewer.account_id, profile_id=profile_id
        )
    except NotFound:
        raise ProfileRequired from None


ContainerDep = Annotated[Container, Depends(container_of)]
# Ids in paths and queries: beyond a database integer is "no such page", never a crash.
TitleId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProfileIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
AccountIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
EpisodeQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
RendererDep = Annotated[Renderer, Depends(get_renderer)]
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
ProfileDep = Annotated[Profile, Depends(current_profile)]
