"""Downloads: a signed, expiring MP4 link for plans and titles that allow it."""

from __future__ import annotations

from fastapi import APIRouter, status

from marquee.api.deps import CurrentPrincipal, DownloadsDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.playback import DownloadCreate, DownloadPublic

router = APIRouter(prefix="/downloads", tags=["playback"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="A signed, expiring link to an MP4 of an allowed rendition",
    responses={
        403: {
            "model": Problem,
            "content": {MEDIA_TYPE: {}},
            "description": "The plan has no downloads, or the title is not downloadable",
        }
    },
)
def create_download(
    body: DownloadCreate, principal: CurrentPrincipal, downloads: DownloadsDep
) -> DownloadPublic:
    link = downloads.create(
        account_id=principal.account_id,
        profile_id=body.profile_id,
        title_id=body.title_id,
        episode_id=body.episode_id,
        height=body.height,
    )
    return DownloadPublic.of(link)
