"""Dependencies as ``Annotated`` aliases, so handlers read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        # The website's own scripts send the session cookie plus the X-CSRF-Token header.
        principal = principal_from_cookies(request)
        if principal is not None:
            return principal
        raise Unauthenticated("send an access token as 'Authorization: Bearer <token>'")
    return container.tokens.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_producer(principal: CurrentPrincipal) -> Principal:
    if not principal.role.can_edit_catalog():
        raise Forbidden("only producers and admins may do this")
    return principal


def get_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("only admins may do this")
    return principal


ProducerPrincipal = Annotated[Principal, Depends(get_producer)]
AdminPrincipal = Annotated[Principal, Depends(get_admin)]


def get_accounts(container: ContainerDep) -> AccountsService:
    return container.accounts


def get_billing(container: ContainerDep) -> BillingService:
    return container.billing


def get_catalog(container: ContainerDep) -> CatalogService:
    return container.catalog


def get_plans(container: ContainerDep) -> PlansService:
    return container.plans


def get_events(container: ContainerDep) -> EventsService:
    return container.events


AccountsDep = Annotated[AccountsService, Depends(get_accounts)]
BillingDep = Annotated[BillingService, Depends(get_billing)]
CatalogDep = Annotated[CatalogService, Depends(get_catalog)]
PlansDep = Annotated[PlansService, Depends(get_plans)]
EventsDep = Annotated[EventsService, Depends(get_events)]


def get_optional_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is sent (it must then be valid), else None."""
    return None if credentials is None else container.tokens.verify(credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


def get_search(container: ContainerDep) -> SearchService:
    return container.search


SearchDep = Annotated[SearchService, Depends(get_search)]


def get_privacy(container: ContainerDep) -> PrivacyService:
    return container.privacy


def get_data_export(container: ContainerDep) -> DataExport:
    return container.data_export


PrivacyDep = Annotated[PrivacyService, Depends(get_privacy)]
DataExportDep = Annotated[DataExport, Depends(get_data_export)]


def get_playback(container: ContainerDep) -> PlaybackService:
    return container.playback.sessions


def get_progress(container: ContainerDep) -> ProgressService:
    return container.playback.progress


def get_qoe(container: ContainerDep) -> QoeService:
    return container.playback.qoe


def get_downloads(container: ContainerDep) -> DownloadsService:
    return container.playback.downloads


def get_media_edge(container: ContainerDep) -> MediaEdge:
    return container.playback.edge


PlaybackDep = Annotated[PlaybackService, Depends(get_playback)]
ProgressDep = Annotated[ProgressService, Depends(get_progress)]
QoeDep = Annotated[QoeService, Depends(get_qoe)]
DownloadsDep = Annotated[DownloadsService, Depends(get_downloads)]
MediaEdgeDep = Annotated[MediaEdge, Depends(get_media_edge)]


def get_media(container: ContainerDep) -> MediaService:
    return container.media


def get_uploads(container: ContainerDep) -> UploadsService:
    return container.uploads


MediaDep = Annotated[MediaService, Depends(get_media)]
UploadsDep = Annotated[UploadsService, Depends(get_uploads)]


def get_lists(container: ContainerDep) -> ListsService:
    return container.lists


ListsDep = Annotated[ListsService, Depends(get_lists)]


def get_home(container: ContainerDep) -> HomeService:
    return container.home


def get_similar(container: ContainerDep) -> SimilarService:
    return container.similar


def get_onboarding(container: ContainerDep) -> ColdStart:
    return container.onboarding


HomeDep = Annotated[HomeService, Depends(get_home)]
SimilarDep = Annotated[SimilarService, Depends(get_similar)]
OnboardingDep = Annotated[ColdStart, Depends(get_onboarding)]


def get_experiments(container: ContainerDep) -> ExperimentService:
    return container.experiments


ExperimentsDep = Annotated[ExperimentService, Depends(get_experiments)]
