"""Admin: system health, playback quality of experience (with charts), users and plans."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import ValidationError

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from marquee.errors import ApiError, Forbidden
from marquee.services.playback_qoe import SessionFilter
from marquee.web import charts
from marquee.web.deps import AccountIdPath, ContainerDep, RendererDep, ViewerDep
from marquee.web.render import redirect
from marquee.web.session import Viewer, check_csrf

router = APIRouter()
FormText = Annotated[str, Form()]
DAYS = 14
SESSIONS_READ = 2000
USERS_PAGE = 50
# Startup-time buckets (upper bound in ms, label): what a viewer waits before the first frame.
STARTUP_BUCKETS = [
    (500, "<0.5 s"),
    (1000, "0.5–1 s"),
    (2000, "1–2 s"),
    (4000, "2–4 s"),
    (float("inf"), "≥4 s"),
]


def admin(viewer: ViewerDep) -> Viewer:
    if viewer.principal.role is not Role.ADMIN:
        raise Forbidden("only admins may see this page")
    return viewer


AdminDep = Annotated[Viewer, Depends(admin)]


@router.get("/admin")
def overview(
    request: Request, viewer: AdminDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    from marquee.api.routes.health import readyz  # here: marquee.api imports this package

    health = json.loads(bytes(readyz(container).body))
    since = container.clock() - timedelta(days=DAYS)
    summary = container.playback.qoe.summary(SessionFilter(since=since))
    rows, _ = container.playback.qoe.sessions(
        SessionFilter(since=since), limit=SESSIONS_READ, offset=0
    )
    context = {
        "health": health,
        "summary": summary,
        "days": DAYS,
        "per_day": charts.bar_chart("Playback sessions per day", _per_day(container, rows)),
        "startup": charts.bar_chart("Startup time (sessions)", _startup_buckets(rows)),
        "recent": rows[:10],
        "active": sum(1 for r in rows if r.ended_at is None),
    }
    return renderer.page(request, "admin.html", context)


def _per_day(container: Container, rows: list[Any]) -> list[tuple[str, float]]:
    today = container.clock().date()
    counts = Counter(r.started_at.date() for r in rows)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    return [(f"{d:%d}", float(counts.get(d, 0))) for d in days]


def _startup_buckets(rows: list[Any]) -> list[tuple[str, float]]:
    counts: Counter[str] = Counter()
    for r in rows:
        if r.startup_ms is not None:
            label = next(text for bound, text in STARTUP_BUCKETS if r.startup_ms < bound)
            counts[label] += 1
    return [(text, float(counts.get(text, 0))) for _, text in STARTUP_BUCKETS]


@router.get("/admin/users")
def users(
    request: Request,
    viewer: AdminDep,
    container: ContainerDep,
    renderer: RendererDep,
    offset: int = 0,
) -> Response:
    return renderer.page(request, "admin_users.html", _users_context(container, max(0, offset)))


def _users_context(container: Container, offset: int, **extra: Any) -> dict[str, Any]:
    page = container.accounts.list_accounts(limit=USERS_PAGE, offset=offset)
    return {
        "accounts": page.items,
        "count": page.count,
        "offset": offset,
        "page_size": USERS_PAGE,
        "roles": [r.value for r in Role],
        **extra,
    }


@router.post("/admin/users/{account_id}")
def update_user(
    *,
    request: Request,
    account_id: AccountIdPath,
    viewer: AdminDep,
    container: ContainerDep,
    renderer: RendererDep,
    role: FormText = "",
    is_active: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    from marquee.api.schemas.accounts import AccountUpdate  # here: marquee.api imports this package

    check_csrf(request, csrf_token)
    try:
        body = AccountUpdate.model_validate({"role": role or None, "is_active": is_active == "on"})
        container.accounts.update_account(
            actor_id=viewer.account_id,
            account_id=account_id,
            role=body.role,
            is_active=body.is_active,
        )
    except (ValidationError, ApiError) as exc:
        detail = exc.detail if isinstance(exc, ApiError) else "That role does not exist."
        context = _users_context(container, 0, error=detail)
        return renderer.page(request, "admin_users.html", context, status_code=422)
    return redirect(request, "/admin/users?saved=1")


@router.get("/admin/plans")
def plans(
    request: Request, viewer: AdminDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    return renderer.page(request, "admin_plans.html", _plans_context(container))


def _plans_context(container: Container, **extra: Any) -> dict[str, Any]:
    return {
        "plans": container.plans.list_plans(include_inactive=True),
        "errors": {},
        "form": {},
        **extra,
    }


@router.post("/admin/plans/{code}")
def update_plan(
    *,
    request: Request,
    code: str,
    viewer: AdminDep,
    container: ContainerDep,
    renderer: RendererDep,
    price: FormText = "",
    is_active: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    from marquee.api.schemas.billing import PlanUpdate  # here: marquee.api imports this package

    check_csrf(request, csrf_token)
    try:
        body = PlanUpdate.model_validate(
            {"price_minor": minor_units(price), "is_active": is_active == "on"}
        )
        container.plans.update_plan(code=code, **body.model_dump(exclude_none=True))
    except (ValidationError, ApiError, ValueError) as exc:
        context = _plans_context(container, error=f"{code}: {_reason(exc)}")
        return renderer.page(request, "admin_plans.html", context, status_code=422)
    return redirect(request, "/admin/plans?saved=1")


@router.post("/admin/plans")
def create_plan(
    *,
    request: Request,
    viewer: AdminDep,
    container: ContainerDep,
    renderer: RendererDep,
    code: FormText = "",
    name: FormText = "",
    price: FormText = "",
    max_resolution: FormText = "",
    max_streams: FormText = "",
    downloads: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    from marquee.api.schemas.billing import PlanCreate  # here: marquee.api imports this package

    check_csrf(request, csrf_token)
    form = {
        "code": code,
        "name": name,
        "price": price,
        "max_resolution": max_resolution,
        "max_streams": max_streams,
    }
    try:
        body = PlanCreate.model_validate(
            {
                "code": code.strip(),
                "name": name.strip(),
                "price_minor": minor_units(price),
                "max_resolution": int(max_resolution or 0),
                "max_streams": int(max_streams or 0),
                "downloads": downloads == "on",
            }
        )
        container.plans.create_plan(**body.model_dump())
    except (ValidationError, ApiError, ValueError) as exc:
        context = _plans_context(container, form=form, errors=_plan_errors(exc))
        return renderer.page(request, "admin_plans.html", context, status_code=422)
    return redirect(request, "/admin/plans?saved=1")


def minor_units(price: str) -> int:
    """``"9.99"`` → ``999``; a price a person types, in the plan's currency."""
    try:
        amount = Decimal(price.strip())
    except InvalidOperation:
        raise ValueError("Enter a price such as 9.99.") from None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("At most two decimals.")
    return int(amount * 100)


def _plan_errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "form"
            found.setdefault("price" if field == "price_minor" else field, str(e["msg"]))
        return found
    if isinstance(exc, ApiError) and getattr(exc, "problems", None):
        return {p.field.removeprefix("body."): p.reason for p in exc.problems}
    return {"form": _reason(exc)}


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(e["msg"]) for e in exc.errors())
    return exc.detail if isinstance(exc, ApiError) else str(exc)
