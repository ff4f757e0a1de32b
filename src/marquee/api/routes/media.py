"""Media assets of titles and their background jobs (producers and admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from marquee.api.deps import MediaDep, ProducerPrincipal
from marquee.api.schemas.catalog import MAX_ID
from marquee.api.schemas.media import JobPublic, MediaAssetPublic, MediaAssetsPublic

router = APIRouter(tags=["media"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/titles/{title_id}/media")
def list_title_media(title_id: Id, _: ProducerPrincipal, media: MediaDep) -> MediaAssetsPublic:
    """Every uploaded source of the title (newest first) with status, probe, error and progress."""
    return MediaAssetsPublic.from_views(media.list_for_title(title_id=title_id))


@router.get("/media/{asset_id}")
def get_media_asset(asset_id: Id, _: ProducerPrincipal, media: MediaDep) -> MediaAssetPublic:
    return MediaAssetPublic.from_view(media.get_asset(asset_id=asset_id))


@router.post("/media/{asset_id}/retranscode", status_code=status.HTTP_202_ACCEPTED)
def retranscode_media_asset(
    asset_id: Id, _: ProducerPrincipal, media: MediaDep
) -> MediaAssetPublic:
    """Queue a new transcode; 409 while one is queued or running. Renditions already published
    stay served until the new set is complete."""
    return MediaAssetPublic.from_view(media.retranscode(asset_id=asset_id))


@router.get("/jobs/{job_id}")
def get_job(job_id: Id, _: ProducerPrincipal, media: MediaDep) -> JobPublic:
    """State, progress (0..1), attempts and the readable error of a background job."""
    return JobPublic.from_record(media.get_job(job_id=job_id))


@router.post("/jobs/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
def cancel_job(job_id: Id, _: ProducerPrincipal, media: MediaDep) -> JobPublic:
    """A queued job is canceled at once; a running one stops at its next check (within a few
    seconds; ``cancel_requested`` is true until then). 409 if the job already ended."""
    return JobPublic.from_record(media.cancel_job(job_id=job_id))
