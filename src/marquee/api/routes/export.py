"""The caller's data export (GDPR access and portability): everything held about the account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from marquee.api.deps import CurrentPrincipal, DataExportDep

router = APIRouter(prefix="/me", tags=["me"])


@router.get(
    "/export",
    summary="Everything held about the caller's account, as one JSON document",
    description=(
        "``format`` (``marquee-export/1``), ``exported_at``, ``account``, ``profiles``, "
        "``records`` (rows of every other table that belongs to the account or its profiles: "
        "subscriptions, payments, watch progress, lists, …; secrets such as password hashes "
        "are left out) and ``events`` (every behaviour event of its profiles, from the lake "
        "and the event log, by client time)."
    ),
)
def export_me(principal: CurrentPrincipal, export: DataExportDep) -> dict[str, Any]:
    return export.export(account_id=principal.account_id)
