"""The caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, status

from marquee.api.deps import AccountsDep, CurrentPrincipal, PrivacyDep
from marquee.api.schemas.accounts import AccountPublic, PasswordChange

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", summary="The caller's account")
def get_me(principal: CurrentPrincipal, accounts: AccountsDep) -> AccountPublic:
    return AccountPublic.model_validate(accounts.get_account(account_id=principal.account_id))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every other session is logged out",
)
def change_password(
    body: PasswordChange, principal: CurrentPrincipal, accounts: AccountsDep
) -> None:
    accounts.change_password(
        account_id=principal.account_id,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session=principal.session,
    )


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the caller's account, its profiles and history",
)
def delete_me(principal: CurrentPrincipal, privacy: PrivacyDep) -> None:
    # Through the privacy service: the account's events and online data go too (GDPR).
    privacy.delete_account(account_id=principal.account_id, session=principal.session)
