"""Plans and the account: choose a plan and subscribe, then see the plan, the next charge, the
payments, the screens in use, and change plan or cancel. Every rule is the billing service's."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from marquee.bootstrap import Container
from marquee.domain.billing import SubscriptionView
from marquee.errors import ApiError, NotFound
from marquee.services.playback_qoe import SessionFilter
from marquee.web.deps import ContainerDep, RendererDep, ViewerDep
from marquee.web.render import local_path, redirect
from marquee.web.session import check_csrf

router = APIRouter()
FormText = Annotated[str, Form()]
AFTER_SUBSCRIBING = "/profiles"
PAYMENTS_SHOWN = 12
# The built-in provider's test tokens, in words a visitor understands.
PAYMENT_METHODS = [
    ("pm_card_ok", "Test card that pays (•••• 4242)"),
    ("pm_card_declined", "Test card that is declined (•••• 0002)"),
    ("pm_card_insufficient_funds", "Test card without funds (•••• 9995)"),
]


def _subscription(container: Container, account_id: int) -> SubscriptionView | None:
    try:
        return container.billing.get_subscription(account_id)
    except NotFound:
        return None


def _plans_context(container: Container, account_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "plans": container.plans.list_plans(),
        "subscription": _subscription(container, account_id),
        "methods": PAYMENT_METHODS,
        # One key per rendered form: a double-click or a resent form never charges twice.
        "idempotency_key": secrets.token_urlsafe(16),
        **extra,
    }


@router.get("/plans")
def plans_page(
    request: Request,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    next: str = "",
) -> Response:
    context = _plans_context(container, viewer.account_id, next=local_path(next, AFTER_SUBSCRIBING))
    return renderer.page(request, "plans.html", context)


@router.post("/plans/subscribe")
def subscribe(
    *,
    request: Request,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    plan: FormText = "",
    payment_method: FormText = "",
    idempotency_key: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    target = local_path(next, AFTER_SUBSCRIBING)
    try:
        check_csrf(request, csrf_token)
        container.billing.subscribe(
            account_id=viewer.account_id,
            plan_code=plan,
            payment_method=payment_method,
            idempotency_key=f"web:{idempotency_key[:80] or secrets.token_urlsafe(16)}",
        )
    except ApiError as exc:
        context = _plans_context(
            container,
            viewer.account_id,
            next=target,
            chosen=plan,
            chosen_method=payment_method,
            errors=_field_errors(exc),
            error=exc.detail,
        )
        return renderer.page(request, "plans.html", context, status_code=exc.status)
    return redirect(request, target)


@router.get("/account")
def account_page(
    request: Request, viewer: ViewerDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    return renderer.page(request, "account.html", _account_context(container, viewer.account_id))


def _account_context(container: Container, account_id: int, **extra: Any) -> dict[str, Any]:
    subscription = _subscription(container, account_id)
    payments, count = container.billing.payments(
        account_id=account_id, limit=PAYMENTS_SHOWN, offset=0
    )
    plans = {p.code: p for p in container.plans.list_plans(include_inactive=True)}
    return {
        "account": container.accounts.get_account(account_id=account_id),
        "subscription": subscription,
        "plan": plans.get(subscription.plan) if subscription else None,
        "pending": plans.get(subscription.pending_plan or "") if subscription else None,
        "offered": [p for p in plans.values() if p.is_active],
        "payments": payments,
        "payment_count": count,
        "streams": _streams(container, account_id),
        "idempotency_key": secrets.token_urlsafe(16),
        **extra,
    }


def _streams(container: Container, account_id: int) -> list[dict[str, Any]]:
    """The screens in use now: each live lease with what it plays and on which profile."""
    leases = container.playback.sessions.leases.active(account_id)
    if not leases:
        return []
    rows, _ = container.playback.qoe.sessions(
        SessionFilter(account_id=account_id, active=True), limit=50, offset=0
    )
    by_id = {row.id: row for row in rows}
    names = {p.id: p.name for p in container.accounts.list_profiles(account_id=account_id)}
    titles = container.cards.get([r.title_id for r in rows])
    streams = []
    for lease in leases:
        row = by_id.get(lease.session_id)
        card = titles.get(row.title_id) if row else None
        streams.append(
            {
                "profile": names.get(lease.profile_id, "A profile"),
                "title": card.name if card else "Something",
                "device": (row.device if row else None) or "a browser",
                "started_at": row.started_at if row else None,
            }
        )
    return streams


@router.post("/account/plan")
def change_plan(
    *,
    request: Request,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    plan: FormText = "",
    idempotency_key: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    try:
        check_csrf(request, csrf_token)
        container.billing.change_plan(
            account_id=viewer.account_id,
            plan_code=plan,
            idempotency_key=f"web:{idempotency_key[:80] or secrets.token_urlsafe(16)}",
        )
    except ApiError as exc:
        context = _account_context(container, viewer.account_id, error=exc.detail)
        return renderer.page(request, "account.html", context, status_code=exc.status)
    return redirect(request, "/account?changed=1")


@router.post("/account/cancel")
def cancel(
    *,
    request: Request,
    viewer: ViewerDep,
    container: ContainerDep,
    renderer: RendererDep,
    csrf_token: FormText = "",
) -> Response:
    try:
        check_csrf(request, csrf_token)
        container.billing.cancel(account_id=viewer.account_id)
    except ApiError as exc:
        context = _account_context(container, viewer.account_id, error=exc.detail)
        return renderer.page(request, "account.html", context, status_code=exc.status)
    return redirect(request, "/account?canceled=1")


def _field_errors(exc: ApiError) -> dict[str, str]:
    """``body.payment_method: the card was declined`` → ``{"payment_method": ...}``."""
    return {p.field.removeprefix("body."): p.reason for p in exc.problems}
