"""Profiles of the caller's account."""

from __future__ import annotations

from fastapi import APIRouter, status

from marquee.api.deps import AccountsDep, CurrentPrincipal, PrivacyDep
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.accounts import (
    PinCheck,
    ProfileCreate,
    ProfileId,
    ProfilePublic,
    ProfilesPublic,
    ProfileUpdate,
)

router = APIRouter(prefix="/profiles", tags=["profiles"])


@router.get("", summary="The caller's profiles")
def list_profiles(principal: CurrentPrincipal, accounts: AccountsDep) -> ProfilesPublic:
    rows = accounts.list_profiles(account_id=principal.account_id)
    return ProfilesPublic(data=[ProfilePublic.of(p) for p in rows], count=len(rows))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a profile (at most 5 per account)",
    responses={
        409: {
            "model": Problem,
            "content": {MEDIA_TYPE: {}},
            "description": "Five profiles already, or the name is taken",
        }
    },
)
def create_profile(
    body: ProfileCreate, principal: CurrentPrincipal, accounts: AccountsDep
) -> ProfilePublic:
    profile = accounts.create_profile(account_id=principal.account_id, draft=body.draft())
    return ProfilePublic.of(profile)


@router.get("/{profile_id}", summary="One of the caller's profiles")
def get_profile(
    profile_id: ProfileId, principal: CurrentPrincipal, accounts: AccountsDep
) -> ProfilePublic:
    return ProfilePublic.of(
        accounts.get_profile(account_id=principal.account_id, profile_id=profile_id)
    )


@router.patch("/{profile_id}", summary="Change a profile; omitted fields stay as they are")
def update_profile(
    profile_id: ProfileId, body: ProfileUpdate, principal: CurrentPrincipal, accounts: AccountsDep
) -> ProfilePublic:
    profile = accounts.update_profile(
        account_id=principal.account_id, profile_id=profile_id, changes=body.changes()
    )
    return ProfilePublic.of(profile)


@router.delete(
    "/{profile_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a profile; the last one of an account cannot be deleted",
)
def delete_profile(profile_id: ProfileId, principal: CurrentPrincipal, privacy: PrivacyDep) -> None:
    # Through the privacy service: the profile's events and online data go too (GDPR).
    privacy.delete_profile(account_id=principal.account_id, profile_id=profile_id)


@router.post(
    "/{profile_id}/pin-check",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Check a profile's PIN: 204 when it opens the profile (or none is set), else 403",
)
def check_pin(
    profile_id: ProfileId, body: PinCheck, principal: CurrentPrincipal, accounts: AccountsDep
) -> None:
    accounts.verify_pin(account_id=principal.account_id, profile_id=profile_id, pin=body.pin)
