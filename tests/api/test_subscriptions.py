"""The caller's subscription: trial, renewals, failed payments, plan changes, the ledger."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from marquee.bootstrap import Container
from marquee.clock import ManualClock, system_clock
from marquee.domain.billing import Entitlements
from marquee.services.payments import BuiltinProvider, Ledger
from marquee.services.tokens import AccessTokens
from marquee.storage.db.tables import Subscription
from tests.conftest import Caller, MakeCaller

TRIAL = timedelta(days=7)
PERIOD = timedelta(days=30)


def _headers(client: TestClient, caller: Caller) -> dict[str, str]:
    # These tests move the clock weeks ahead. A token minted on that clock carries an ``iat`` in
    # the future, which PyJWT refuses against the wall clock, so mint on the wall clock with a
    # lifetime that outlasts the simulated weeks.
    container: Container = cast(FastAPI, client.app).state.container
    tokens = AccessTokens(
        secret=container.settings.secret_key.get_secret_value(),
        ttl_s=365 * 86_400,
        kv=container.kv,
        clock=system_clock,
    )
    token = tokens.issue(account_id=caller.account_id, role=caller.role, session=caller.email)
    return {"Authorization": f"Bearer {token}"}


def _subscribe(
    client: TestClient,
    caller: Caller,
    plan: str = "basic",
    method: str = "pm_card_ok",
    key: str | None = None,
) -> Any:
    headers = _headers(client, caller) | ({"Idempotency-Key": key} if key else {})
    return client.post(
        "/v1/subscription", json={"plan": plan, "payment_method": method}, headers=headers
    )


def _change(client: TestClient, caller: Caller, plan: str, key: str | None = None) -> Any:
    headers = _headers(client, caller) | ({"Idempotency-Key": key} if key else {})
    return client.patch("/v1/subscription", json={"plan": plan}, headers=headers)


def _sub(client: TestClient, caller: Caller) -> dict[str, Any]:
    response = client.get("/v1/subscription", headers=_headers(client, caller))
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def _payments(client: TestClient, caller: Caller, **params: int) -> list[dict[str, Any]]:
    response = client.get("/v1/payments", params=params, headers=_headers(client, caller))
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _set_method(client: TestClient, caller: Caller, method: str) -> Any:
    return client.put(
        "/v1/subscription/payment-method",
        json={"payment_method": method},
        headers=_headers(client, caller),
    )


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


Activate = Callable[..., Caller]


@pytest.fixture
def activate(
    client: TestClient, make_caller: MakeCaller, container: Container, clock: ManualClock
) -> Activate:
    """Make a viewer whose trial has converted into a paid, active subscription."""

    def make(plan: str = "basic") -> Caller:
        caller = make_caller("viewer")
        assert _subscribe(client, caller, plan).status_code == 201
        clock.advance(days=7)
        assert container.billing.renew_due(clock()).renewed == 1
        return caller

    return make


# -- subscribing -------------------------------------------------------------------------------


def test_first_subscription_is_a_free_trial(
    client: TestClient, make_caller: MakeCaller, clock: ManualClock
) -> None:
    viewer = make_caller("viewer")
    response = _subscribe(client, viewer, "standard")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["plan"], body["entitled"]) == ("trial", "standard", True)
    assert _at(body["current_period_end"]) == clock() + TRIAL
    [entry] = _payments(client, viewer)
    assert (entry["kind"], entry["amount_minor"], entry["status"]) == ("trial", 0, "succeeded")


def test_trial_renews_to_active_then_a_declined_card_makes_it_past_due_until_a_retry_pays(
    client: TestClient, make_caller: MakeCaller, container: Container, clock: ManualClock
) -> None:
    viewer = make_caller("viewer")
    _subscribe(client, viewer, "basic")
    trial_end = _at(_sub(client, viewer)["current_period_end"])

    clock.advance(days=7)
    assert container.billing.renew_due(clock()).renewed == 1
    sub = _sub(client, viewer)
    assert sub["status"] == "active"
    assert _at(sub["current_period_start"]) == trial_end
    assert _at(sub["current_period_end"]) == trial_end + PERIOD

    assert _set_method(client, viewer, "pm_card_declined").status_code == 200
    clock.advance(days=30)
    assert container.billing.renew_due(clock()).failed == 1
    sub = _sub(client, viewer)
    assert (sub["status"], sub["entitled"]) == ("past_due", True)  # within the grace period

    _set_method(client, viewer, "pm_card_ok")
    clock.advance(days=1)
    assert container.billing.renew_due(clock()).renewed == 1
    sub = _sub(client, viewer)
    assert sub["status"] == "active"
    assert _at(sub["current_period_start"]) == clock()  # a recovered payment buys a full period
    assert [(p["kind"], p["amount_minor"], p["status"]) for p in _payments(client, viewer)] == [
        ("renewal", 799, "succeeded"),
        ("renewal", 799, "failed"),
        ("renewal", 799, "succeeded"),
        ("trial", 0, "succeeded"),
    ]
    assert _payments(client, viewer)[1]["failure_reason"] == "the card was declined"


def test_past_due_past_the_grace_period_is_canceled_and_loses_access(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate()
    _set_method(client, viewer, "pm_card_insufficient_funds")
    clock.advance(days=30)
    container.billing.renew_due(clock())
    clock.advance(days=1)
    assert container.billing.renew_due(clock()).failed == 1  # retried once more, still failing
    clock.advance(days=2)
    assert container.billing.renew_due(clock()).canceled == 1
    sub = _sub(client, viewer)
    assert (sub["status"], sub["entitled"]) == ("canceled", False)
    assert container.billing.entitlements(viewer.account_id) is None


def test_only_one_live_subscription_per_account(
    client: TestClient, make_caller: MakeCaller
) -> None:
    viewer = make_caller("viewer")
    _subscribe(client, viewer)
    response = _subscribe(client, viewer, "premium")
    assert response.status_code == 409
    assert _sub(client, viewer)["plan"] == "basic"


def test_retried_subscribe_with_the_same_key_returns_the_first_outcome(
    client: TestClient, make_caller: MakeCaller
) -> None:
    viewer = make_caller("viewer")
    first = _subscribe(client, viewer, key="sub-1")
    again = _subscribe(client, viewer, key="sub-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert len(_payments(client, viewer)) == 1


def test_a_declined_first_charge_creates_no_subscription_but_is_in_the_ledger(
    client: TestClient, make_caller: MakeCaller, clock: ManualClock
) -> None:
    viewer = make_caller("viewer")
    _subscribe(client, viewer)
    client.post("/v1/subscription/cancel", headers=_headers(client, viewer))
    clock.advance(days=8)

    declined = _subscribe(client, viewer, "standard", "pm_card_declined", key="again")
    assert declined.status_code == 402
    assert _fields(declined) == ["body.payment_method"]
    assert (
        _subscribe(client, viewer, "standard", "pm_card_declined", key="again").status_code == 402
    )
    assert _sub(client, viewer)["status"] == "canceled"
    failed = [p for p in _payments(client, viewer) if p["status"] == "failed"]
    assert [(p["kind"], p["amount_minor"]) for p in failed] == [("charge", 1299)]

    paid = _subscribe(client, viewer, "standard", "pm_card_ok", key="again-ok")
    assert paid.status_code == 201
    assert paid.json()["status"] == "active"  # no second trial
    assert _payments(client, viewer)[0]["amount_minor"] == 1299


def test_unknown_plan_or_payment_method_is_named(
    client: TestClient, make_caller: MakeCaller
) -> None:
    viewer = make_caller("viewer")
    no_plan = _subscribe(client, viewer, "platinum")
    assert (no_plan.status_code, _fields(no_plan)) == (422, ["body.plan"])
    no_method = _subscribe(client, viewer, "basic", "pm_card_magic")
    assert (no_method.status_code, _fields(no_method)) == (422, ["body.payment_method"])
    _subscribe(client, viewer)
    bad_change = _change(client, viewer, "platinum")
    assert (bad_change.status_code, _fields(bad_change)) == (422, ["body.plan"])


def test_a_deactivated_plan_cannot_be_subscribed(
    client: TestClient, make_caller: MakeCaller
) -> None:
    admin, viewer = make_caller("admin"), make_caller("viewer")
    client.patch("/v1/plans/premium", json={"is_active": False}, headers=_headers(client, admin))
    response = _subscribe(client, viewer, "premium")
    assert (response.status_code, _fields(response)) == (422, ["body.plan"])


def test_an_overlong_idempotency_key_is_refused(
    client: TestClient, make_caller: MakeCaller
) -> None:
    response = _subscribe(client, make_caller("viewer"), key="k" * 101)
    assert response.status_code == 422
    assert _fields(response) == ["header.Idempotency-Key"]


def test_no_subscription_is_not_found(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller("viewer")
    assert client.get("/v1/subscription", headers=_headers(client, viewer)).status_code == 404
    assert (
        client.post("/v1/subscription/cancel", headers=_headers(client, viewer)).status_code == 404
    )
    assert _change(client, viewer, "premium").status_code == 404


def test_subscription_needs_a_token(client: TestClient) -> None:
    assert client.get("/v1/subscription").status_code == 401
    assert client.get("/v1/payments").status_code == 401


# -- plan changes ------------------------------------------------------------------------------


def test_upgrade_charges_the_prorated_amount_once_even_when_retried(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("basic")
    clock.advance(days=15)  # half of the 30-day period is left
    first = _change(client, viewer, "premium", key="up-1")
    again = _change(client, viewer, "premium", key="up-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert (first.json()["plan"], first.json()["pending_plan"]) == ("premium", None)
    prorations = [p for p in _payments(client, viewer) if p["kind"] == "proration"]
    assert [(p["amount_minor"], p["status"]) for p in prorations] == [(500, "succeeded")]
    entitlements = container.billing.entitlements(viewer.account_id)
    assert entitlements == Entitlements("premium", 2160, 4, True)


def test_a_key_reused_for_another_request_is_a_conflict(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate()
    _change(client, viewer, "standard", key="same")
    client.post("/v1/subscription/cancel", headers=_headers(client, viewer))
    response = _subscribe(client, viewer, "premium", key="same")
    assert response.status_code == 409
    assert _fields(response) == ["header.Idempotency-Key"]


def test_a_declined_upgrade_keeps_the_plan(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("basic")
    _set_method(client, viewer, "pm_card_declined")
    response = _change(client, viewer, "standard")
    assert response.status_code == 402
    assert _sub(client, viewer)["plan"] == "basic"
    assert _payments(client, viewer)[0]["status"] == "failed"


def test_downgrade_applies_at_renewal(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("premium")
    response = _change(client, viewer, "basic")
    assert response.status_code == 200
    assert (response.json()["plan"], response.json()["pending_plan"]) == ("premium", "basic")
    assert _payments(client, viewer)[0]["amount_minor"] == 0
    assert container.billing.entitlements(viewer.account_id) == Entitlements(
        "premium", 2160, 4, True
    )

    clock.advance(days=30)
    assert container.billing.renew_due(clock()).renewed == 1
    sub = _sub(client, viewer)
    assert (sub["plan"], sub["pending_plan"]) == ("basic", None)
    assert _payments(client, viewer)[0]["amount_minor"] == 799
    assert container.billing.entitlements(viewer.account_id) == Entitlements("basic", 720, 1, False)


def test_going_back_to_the_current_plan_drops_a_scheduled_downgrade(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("premium")
    _change(client, viewer, "basic")
    response = _change(client, viewer, "premium")
    assert (response.json()["plan"], response.json()["pending_plan"]) == ("premium", None)


def test_a_change_during_the_trial_is_free_and_immediate(
    client: TestClient, make_caller: MakeCaller
) -> None:
    viewer = make_caller("viewer")
    _subscribe(client, viewer, "basic")
    response = _change(client, viewer, "premium")
    assert (response.json()["plan"], response.json()["status"]) == ("premium", "trial")
    assert [p["amount_minor"] for p in _payments(client, viewer)] == [0, 0]


def test_a_past_due_subscription_cannot_change_plan(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate()
    _set_method(client, viewer, "pm_card_declined")
    clock.advance(days=30)
    container.billing.renew_due(clock())
    assert _change(client, viewer, "premium").status_code == 409


def test_a_new_price_is_charged_from_the_next_renewal(
    client: TestClient,
    make_caller: MakeCaller,
    container: Container,
    clock: ManualClock,
    activate: Activate,
) -> None:
    viewer = activate("basic")
    admin = make_caller("admin")
    client.patch("/v1/plans/basic", json={"price_minor": 899}, headers=_headers(client, admin))
    assert _payments(client, viewer)[0]["amount_minor"] == 799
    clock.advance(days=30)
    container.billing.renew_due(clock())
    assert _payments(client, viewer)[0]["amount_minor"] == 899


# -- canceling ---------------------------------------------------------------------------------


def test_cancel_keeps_access_until_the_period_ends_then_not_entitled(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("standard")
    period_end = _at(_sub(client, viewer)["current_period_end"])
    response = client.post("/v1/subscription/cancel", headers=_headers(client, viewer))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["entitled"]) == ("canceled", True)
    assert container.billing.entitlements(viewer.account_id) == Entitlements(
        "standard", 1080, 2, False
    )

    clock.now = period_end - timedelta(seconds=1)
    assert _sub(client, viewer)["entitled"] is True
    clock.now = period_end
    assert container.billing.renew_due(clock()).renewed == 0  # canceled: never charged again
    assert _sub(client, viewer)["entitled"] is False
    assert container.billing.entitlements(viewer.account_id) is None


def test_canceling_twice_is_a_conflict(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller("viewer")
    _subscribe(client, viewer)
    assert (
        client.post("/v1/subscription/cancel", headers=_headers(client, viewer)).status_code == 200
    )
    assert (
        client.post("/v1/subscription/cancel", headers=_headers(client, viewer)).status_code == 409
    )
    assert _set_method(client, viewer, "pm_card_ok").status_code == 409


# -- the ledger --------------------------------------------------------------------------------


def test_payment_history_lists_ledger_entries_newest_first(
    client: TestClient, container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("basic")
    clock.advance(days=10)
    _change(client, viewer, "standard")
    clock.advance(days=20)
    container.billing.renew_due(clock())

    entries = _payments(client, viewer)
    assert [p["kind"] for p in entries] == ["renewal", "proration", "renewal", "trial"]
    assert [p["amount_minor"] for p in entries] == [1299, 334, 799, 0]
    created = [_at(p["created_at"]) for p in entries]
    assert created == sorted(created, reverse=True)
    page = client.get(
        "/v1/payments", params={"limit": 2, "offset": 1}, headers=_headers(client, viewer)
    )
    assert page.json()["count"] == 4
    assert [p["kind"] for p in page.json()["data"]] == ["proration", "renewal"]


def test_payments_of_another_account_are_never_shown(
    client: TestClient, make_caller: MakeCaller
) -> None:
    owner, other = make_caller("viewer"), make_caller("viewer")
    _subscribe(client, owner)
    assert client.get("/v1/payments", headers=_headers(client, other)).json() == {
        "data": [],
        "count": 0,
    }
    assert client.get("/v1/subscription", headers=_headers(client, other)).status_code == 404


def test_payment_pagination_is_bounded(client: TestClient, make_caller: MakeCaller) -> None:
    viewer = make_caller("viewer")
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        response = client.get("/v1/payments", params=params, headers=_headers(client, viewer))
        assert response.status_code == 422
        assert _fields(response) == [f"query.{next(iter(params))}"]


# -- races -------------------------------------------------------------------------------------


def test_concurrent_retries_of_one_upgrade_charge_once(
    container: Container, clock: ManualClock, activate: Activate
) -> None:
    viewer = activate("basic")
    clock.advance(days=15)

    def upgrade(_: int) -> str:
        view = container.billing.change_plan(
            account_id=viewer.account_id, plan_code="premium", idempotency_key="req:race"
        )
        return view.plan

    with ThreadPoolExecutor(max_workers=6) as pool:
        plans = list(pool.map(upgrade, range(6)))
    assert plans == ["premium"] * 6
    entries, _ = container.billing.payments(account_id=viewer.account_id, limit=100, offset=0)
    assert [p.amount_minor for p in entries if p.kind == "proration"] == [500]


def test_a_duplicate_ledger_key_loses_the_race_without_breaking_the_transaction(
    container: Container, activate: Activate
) -> None:
    viewer = activate("basic")
    ledger = Ledger(provider=BuiltinProvider(), clock=container.clock)
    with container.db.session() as s:
        sub_row = s.scalars(
            select(Subscription).where(Subscription.account_id == viewer.account_id)
        ).one()
        first = ledger.settle(
            s, sub=sub_row, currency="EUR", kind="charge", amount=100, key="k", description="a"
        )
        second = ledger.settle(
            s, sub=sub_row, currency="EUR", kind="charge", amount=100, key="k", description="b"
        )
        assert first[1] is not None
        assert second[1] is None
        assert second[0] == first[0]  # the provider answered the retry with the first result
    with container.db.session() as s:
        assert ledger.count(s, account_id=viewer.account_id) == 3  # trial, renewal, "k"
