"""Sign-up, login, token refresh and logout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from marquee.api.deps import AccountsDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.accounts import (
    AccountPublic,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    SignupPublic,
    SignupRequest,
    TokenPair,
)

router = APIRouter(prefix="/auth", tags=["auth"])


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    summary="Create a viewer account (with one profile) and log it in",
    responses={409: _problem("The e-mail is already registered")},
)
def signup(body: SignupRequest, accounts: AccountsDep) -> SignupPublic:
    created = accounts.signup(email=body.email, password=body.password)
    return SignupPublic(
        account=AccountPublic.model_validate(created.account),
        tokens=TokenPair.model_validate(created.tokens),
    )


@router.post(
    "/login",
    summary="Exchange e-mail and password for an access and a refresh token",
    responses={429: _problem("Too many attempts for this e-mail or client; see Retry-After")},
)
def login(body: LoginRequest, request: Request, accounts: AccountsDep) -> TokenPair:
    client = request.client.host if request.client else "unknown"
    pair = accounts.login(email=body.email, password=body.password, client=client)
    return TokenPair.model_validate(pair)


@router.post(
    "/refresh",
    summary="Use up a refresh token for a new pair; a reused token ends the session",
)
def refresh(body: RefreshRequest, accounts: AccountsDep) -> TokenPair:
    return TokenPair.model_validate(accounts.refresh(refresh_token=body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session: its refresh and access tokens stop working",
)
def logout(body: LogoutRequest, accounts: AccountsDep) -> None:
    accounts.logout(refresh_token=body.refresh_token)
