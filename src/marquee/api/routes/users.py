"""Admin: accounts and roles."""

from __future__ import annotations

from fastapi import APIRouter

from marquee.api.deps import AccountsDep, AdminPrincipal
from marquee.api.schemas.accounts import (
    AccountId,
    AccountPublic,
    AccountsPublic,
    AccountUpdate,
)
from marquee.api.schemas.base import Limit, Offset

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", summary="Every account, oldest first (admins only)")
def list_users(
    admin: AdminPrincipal, accounts: AccountsDep, limit: Limit = 20, offset: Offset = 0
) -> AccountsPublic:
    page = accounts.list_accounts(limit=limit, offset=offset)
    return AccountsPublic(
        data=[AccountPublic.model_validate(a) for a in page.items], count=page.count
    )


@router.patch(
    "/{account_id}",
    summary="Change an account's role or status; its sessions end (admins only)",
)
def update_user(
    account_id: AccountId, body: AccountUpdate, admin: AdminPrincipal, accounts: AccountsDep
) -> AccountPublic:
    account = accounts.update_account(
        actor_id=admin.account_id, account_id=account_id, role=body.role, is_active=body.is_active
    )
    return AccountPublic.model_validate(account)
