"""The caller's subscription and payments. Singular per caller, so no ids cross accounts."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from marquee.api.deps import BillingDep, CurrentPrincipal
from marquee.api.problems import MEDIA_TYPE, Problem
from marquee.api.schemas.base import Limit, Offset
from marquee.api.schemas.billing import (
    IdempotencyKey,
    PaymentMethodUpdate,
    PaymentPublic,
    PaymentsPublic,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionUpdate,
)

router = APIRouter(tags=["subscriptions"])


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


Responses = dict[int | str, dict[str, Any]]
_DECLINED: Responses = {402: _problem("The payment was declined; `errors` names the reason")}
_CONFLICT: Responses = {409: _problem("The subscription's state does not allow this")}


def _key(idempotency_key: str | None) -> str:
    # Prefixed so a client key can never collide with the keys renewals use.
    return f"req:{idempotency_key or uuid.uuid4().hex}"


@router.get("/subscription", summary="The caller's subscription (404 if never subscribed)")
def get_subscription(principal: CurrentPrincipal, billing: BillingDep) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(billing.get_subscription(principal.account_id))


@router.post(
    "/subscription",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe: a free trial the first time, otherwise the first period is charged now",
    responses=_DECLINED | _CONFLICT,
)
def subscribe(
    body: SubscriptionCreate,
    principal: CurrentPrincipal,
    billing: BillingDep,
    idempotency_key: IdempotencyKey = None,
) -> SubscriptionPublic:
    view = billing.subscribe(
        account_id=principal.account_id,
        plan_code=body.plan,
        payment_method=body.payment_method,
        idempotency_key=_key(idempotency_key),
    )
    return SubscriptionPublic.model_validate(view)


@router.patch(
    "/subscription",
    summary="Change plan: an upgrade is charged prorated now, a downgrade applies at renewal",
    responses=_DECLINED | _CONFLICT,
)
def change_plan(
    body: SubscriptionUpdate,
    principal: CurrentPrincipal,
    billing: BillingDep,
    idempotency_key: IdempotencyKey = None,
) -> SubscriptionPublic:
    view = billing.change_plan(
        account_id=principal.account_id, plan_code=body.plan, idempotency_key=_key(idempotency_key)
    )
    return SubscriptionPublic.model_validate(view)


@router.post(
    "/subscription/cancel",
    summary="Cancel: no more renewals; access lasts until the end of the paid period",
    responses=_CONFLICT,
)
def cancel(principal: CurrentPrincipal, billing: BillingDep) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(billing.cancel(account_id=principal.account_id))


@router.put(
    "/subscription/payment-method",
    summary="Replace the payment method charged at renewals",
    responses=_CONFLICT,
)
def update_payment_method(
    body: PaymentMethodUpdate, principal: CurrentPrincipal, billing: BillingDep
) -> SubscriptionPublic:
    view = billing.update_payment_method(
        account_id=principal.account_id, payment_method=body.payment_method
    )
    return SubscriptionPublic.model_validate(view)


@router.get("/payments", summary="The caller's payments ledger, newest first")
def list_payments(
    principal: CurrentPrincipal, billing: BillingDep, limit: Limit = 20, offset: Offset = 0
) -> PaymentsPublic:
    rows, count = billing.payments(account_id=principal.account_id, limit=limit, offset=offset)
    return PaymentsPublic(data=[PaymentPublic.model_validate(p) for p in rows], count=count)
