"""Dependencies as ``Annotated`` aliases, so handlers read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from marquee.errors import Forbidden, Unauthenticated
from marquee.services.accounts import AccountsService
from marquee.services.billing import BillingService
from marquee.services.catalog import CatalogService
from marquee.services.events import EventsService
from marquee.services.plans import PlansService
from marquee.services.tokens import Principal

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
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
