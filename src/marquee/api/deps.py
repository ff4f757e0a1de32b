"""Dependencies as ``Annotated`` aliases, so handlers read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from marquee.errors import Forbidden, Unauthenticated
from marquee.experiments.service import ExperimentService
from marquee.recs.coldstart import ColdStart
from marquee.recs.serving import HomeService
from marquee.recs.similar import SimilarService
from marquee.services.accounts import AccountsService
from marquee.services.billing import BillingService
from marquee.services.catalog import CatalogService
from marquee.services.data_export import DataExport
from marquee.services.downloads import DownloadsService
from marquee.services.events import EventsService
from marquee.services.lists import ListsService
from marquee.services.media import MediaService
from marquee.services.media_edge import MediaEdge
from marquee.services.plans import PlansService
from marquee.services.playback import PlaybackService
from marquee.services.playback_qoe import QoeService
from marquee.services.privacy import PrivacyService
from marquee.services.progress import ProgressService
from marquee.services.search import SearchService
from marquee.services.tokens import Principal
from marquee.services.uploads import UploadsService
from marquee.web.session import principal_from_cookies

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login")


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def _verified(container: Container, token: str) -> Principal:
    """The token's caller, checked on the event loop when this process knows whether its session
    is revoked, in a worker thread when that takes an online-store or database read."""
    principal = container.tokens.verify_cached(token)
    if principal is None:
        principal = await run_in_threadpool(container.tokens.verify, token)
    return principal


# Dependencies are coroutines: FastAPI runs a plain ``def`` dependency in the thread pool, one
# thread hop each, which cost more than the homepage's reused page itself (bench/README.md).
async def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        # The website's own scripts send the session cookie plus the X-CSRF-Token header.
        principal = await run_in_threadpool(principal_from_cookies, request)
        if principal is not None:
            return principal
        raise Unauthenticated("send an access token as 'Authorization: Bearer <token>'")
    return await _verified(container, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_producer(principal: CurrentPrincipal) -> Principal:
    if not principal.role.can_edit_catalog():
        raise Forbidden("only producers and admins may do this")
    return principal


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("only admins may do this")
    return principal


ProducerPrincipal = Annotated[Principal, Depends(get_producer)]
AdminPrincipal = Annotated[Principal, Depends(get_admin)]


async def get_accounts(container: ContainerDep) -> AccountsService:
    return container.accounts


async def get_billing(container: ContainerDep) -> BillingService:
    return container.billing


async def get_catalog(container: ContainerDep) -> CatalogService:
    return container.catalog


async def get_plans(container: ContainerDep) -> PlansService:
    return container.plans


async def get_events(container: ContainerDep) -> EventsService:
    return container.events


AccountsDep = Annotated[AccountsService, Depends(get_accounts)]
BillingDep = Annotated[BillingService, Depends(get_billing)]
CatalogDep = Annotated[CatalogService, Depends(get_catalog)]
PlansDep = Annotated[PlansService, Depends(get_plans)]
EventsDep = Annotated[EventsService, Depends(get_events)]


async def get_optional_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is sent (it must then be valid), else None."""
    return None if credentials is None else await _verified(container, credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_search(container: ContainerDep) -> SearchService:
    return container.search


SearchDep = Annotated[SearchService, Depends(get_search)]


async def get_privacy(container: ContainerDep) -> PrivacyService:
    return container.privacy


async def get_data_export(container: ContainerDep) -> DataExport:
    return container.data_export


PrivacyDep = Annotated[PrivacyService, Depends(get_privacy)]
DataExportDep = Annotated[DataExport, Depends(get_data_export)]


async def get_playback(container: ContainerDep) -> PlaybackService:
    return container.playback.sessions


async def get_progress(container: ContainerDep) -> ProgressService:
    return container.playback.progress


async def get_qoe(container: ContainerDep) -> QoeService:
    return container.playback.qoe


async def get_downloads(container: ContainerDep) -> DownloadsService:
    return container.playback.downloads


async def get_media_edge(container: ContainerDep) -> MediaEdge:
    return container.playback.edge


PlaybackDep = Annotated[PlaybackService, Depends(get_playback)]
ProgressDep = Annotated[ProgressService, Depends(get_progress)]
QoeDep = Annotated[QoeService, Depends(get_qoe)]
DownloadsDep = Annotated[DownloadsService, Depends(get_downloads)]
MediaEdgeDep = Annotated[MediaEdge, Depends(get_media_edge)]


async def get_media(container: ContainerDep) -> MediaService:
    return container.media


async def get_uploads(container: ContainerDep) -> UploadsService:
    return container.uploads


MediaDep = Annotated[MediaService, Depends(get_media)]
UploadsDep = Annotated[UploadsService, Depends(get_uploads)]


async def get_lists(container: ContainerDep) -> ListsService:
    return container.lists


ListsDep = Annotated[ListsService, Depends(get_lists)]


async def get_home(container: ContainerDep) -> HomeService:
    return container.home


async def get_similar(container: ContainerDep) -> SimilarService:
    return container.similar


async def get_onboarding(container: ContainerDep) -> ColdStart:
    return container.onboarding


HomeDep = Annotated[HomeService, Depends(get_home)]
SimilarDep = Annotated[SimilarService, Depends(get_similar)]
OnboardingDep = Annotated[ColdStart, Depends(get_onboarding)]


async def get_experiments(container: ContainerDep) -> ExperimentService:
    return container.experiments


ExperimentsDep = Annotated[ExperimentService, Depends(get_experiments)]
