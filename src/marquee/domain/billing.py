"""Subscription rules without I/O: the state machine, entitlement windows and proration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marquee.errors import Conflict

# How long a past_due subscription keeps access (and keeps being retried) after its period ends.
GRACE_PERIOD = timedelta(days=3)


class SubscriptionStatus(StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"


_S = SubscriptionStatus

# Self-loops are renewals: active → active (paid the next period), past_due → past_due (a retry
# failed again). Canceled is terminal: a returning customer starts a new subscription.
TRANSITIONS: dict[SubscriptionStatus, frozenset[SubscriptionStatus]] = {
    _S.TRIAL: frozenset({_S.ACTIVE, _S.PAST_DUE, _S.CANCELED}),
    _S.ACTIVE: frozenset({_S.ACTIVE, _S.PAST_DUE, _S.CANCELED}),
    _S.PAST_DUE: frozenset({_S.ACTIVE, _S.PAST_DUE, _S.CANCELED}),
    _S.CANCELED: frozenset(),
}


def transition(current: SubscriptionStatus, target: SubscriptionStatus) -> SubscriptionStatus:
    """Return ``target`` if ``current → target`` is allowed, else raise ``Conflict`` with why."""
    if target not in TRANSITIONS[current]:
        reason = "it is already canceled" if current is _S.CANCELED else "that is not a transition"
        raise Conflict(f"a {current.value} subscription cannot become {target.value}: {reason}")
    return target


def is_entitled(status: SubscriptionStatus, period_end: datetime, now: datetime) -> bool:
    """Whether a subscription in ``status`` whose period ends at ``period_end`` grants access now.

    Trial and active subscriptions, and past_due ones, keep access until ``GRACE_PERIOD`` after
    the period end, so a late renewal run or a retried payment never cuts a paying viewer off.
    A canceled subscription keeps access until the end of the period already paid for.
    """
    if status is _S.CANCELED:
        return now < period_end
    return now < period_end + GRACE_PERIOD


def prorate(
    old_price: int, new_price: int, period_start: datetime, period_end: datetime, now: datetime
) -> int:
    """The amount, in minor units, to charge now for moving from ``old_price`` to ``new_price``.

    Upgrade (``new_price > old_price``): charge the price difference for the part of the period
    that is left, rounded up to a whole minor unit: ``ceil((new - old) × remaining / period)``,
    with ``remaining`` clamped to ``[0, period]``. The new plan applies at once.
    Downgrade or same price: nothing is charged or refunded now; the caller applies the new plan
    at the next renewal, so the customer keeps what they paid for until then.
    """
    if new_price <= old_price:
        return 0
    period_us = _micros(period_end - period_start)
    if period_us <= 0:
        return 0
    remaining_us = min(max(_micros(period_end - now), 0), period_us)
    numerator = (new_price - old_price) * remaining_us
    return -(-numerator // period_us)  # integer ceiling: no floats near money


@dataclass(frozen=True)
class PlanChange:
    """How a plan change settles: what to charge now and whether the new plan applies now."""

    amount: int
    immediate: bool


def plan_change(
    status: SubscriptionStatus,
    *,
    old_price: int,
    new_price: int,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
) -> PlanChange:
    """During a trial any change is free and immediate (nothing was paid); otherwise an upgrade
    applies now for the ``prorate`` amount and a downgrade applies, free, at the next renewal."""
    if status is _S.TRIAL:
        return PlanChange(0, immediate=True)
    if new_price < old_price:
        return PlanChange(0, immediate=False)
    return PlanChange(prorate(old_price, new_price, period_start, period_end, now), immediate=True)


def next_period(
    status: SubscriptionStatus, period_end: datetime, period: timedelta, now: datetime
) -> tuple[datetime, datetime]:
    """The period a renewal pays for: it follows on from the last one, except that a recovered
    past_due payment (or a renewal more than a period late) buys a full period from ``now``."""
    start = now if status is _S.PAST_DUE else period_end
    if start + period <= now:
        start = now
    return start, start + period


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class Entitlements:
    """What a plan lets an account do while its subscription grants access."""

    plan: str
    max_resolution: int
    max_streams: int
    downloads: bool


@dataclass(frozen=True)
class SubscriptionView:
    """An account's subscription as the API shows it."""

    plan: str
    pending_plan: str | None
    status: SubscriptionStatus
    payment_method: str
    current_period_start: datetime
    current_period_end: datetime
    canceled_at: datetime | None
    entitled: bool


@dataclass(frozen=True)
class RenewalReport:
    """What one ``renew_due`` run did."""

    renewed: int = 0
    failed: int = 0
    canceled: int = 0
    skipped: int = 0  # changed under the run (account deleted, subscription canceled meanwhile)
