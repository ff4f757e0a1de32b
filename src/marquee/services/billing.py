"""Plans, subscriptions and the payments ledger; each operation is one database transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.config import BillingSettings
from marquee.domain.billing import (
    GRACE_PERIOD,
    Entitlements,
    PlanChange,
    RenewalReport,
    SubscriptionStatus,
    SubscriptionView,
    is_entitled,
    next_period,
    plan_change,
    transition,
)
from marquee.errors import Conflict, FieldProblem, InvalidInput, NotFound, PaymentFailed
from marquee.services.payments import BuiltinProvider, ChargeResult, Ledger, PaymentProvider
from marquee.storage.db import Database
from marquee.storage.db.locks import lock_account
from marquee.storage.db.tables import Payment, Plan, Subscription

_S = SubscriptionStatus
_KEY_FIELD = "header.Idempotency-Key"


Outcome = SubscriptionView | PaymentFailed


class BillingService:
    def __init__(
        self,
        *,
        db: Database,
        settings: BillingSettings,
        clock: Clock,
        provider: PaymentProvider | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._provider: PaymentProvider = provider or BuiltinProvider()
        self._ledger = Ledger(provider=self._provider, clock=clock)
        self._period = timedelta(days=settings.period_days)

    # -- the caller's subscription --------------------------------------------------------------

    def get_subscription(self, account_id: int) -> SubscriptionView:
        with self._db.session() as s:
            return self._view(s, self._latest(s, account_id))

    def entitlements(self, account_id: int) -> Entitlements | None:
        """What the account may watch now, or None when no subscription grants access."""
        with self._db.session() as s:
            sub = s.scalar(_latest_query(account_id))
            if sub is None or not is_entitled(
                _S(sub.status), sub.current_period_end, self._clock()
            ):
                return None
            plan = s.get_one(Plan, sub.plan_id)
            return Entitlements(plan.code, plan.max_resolution, plan.max_streams, plan.downloads)

    def subscribe(
        self, *, account_id: int, plan_code: str, payment_method: str, idempotency_key: str
    ) -> SubscriptionView:
        """Start a trial (first subscription ever) or charge the first period now."""
        self._provider.verify_method(payment_method=payment_method)
        with self._db.session() as s:
            outcome = self._subscribe(s, account_id, plan_code, payment_method, idempotency_key)
        return _unwrap(outcome)

    def change_plan(
        self, *, account_id: int, plan_code: str, idempotency_key: str
    ) -> SubscriptionView:
        """Upgrade now for the prorated difference, or downgrade from the next renewal."""
        with self._db.session() as s:
            outcome = self._change_plan(s, account_id, plan_code, idempotency_key)
        return _unwrap(outcome)

    def cancel(self, *, account_id: int) -> SubscriptionView:
        """Stop renewing; access continues until the end of the period already paid for."""
        with self._db.session() as s:
            lock_account(s, account_id)
            sub = self._latest(s, account_id)
            sub.status = transition(_S(sub.status), _S.CANCELED)
            sub.canceled_at = sub.updated_at = self._clock()
            sub.pending_plan_id = None
            return self._view(s, sub)

    def update_payment_method(self, *, account_id: int, payment_method: str) -> SubscriptionView:
        """Charge another method from now on; a past_due one is retried at the next renewal run."""
        self._provider.verify_method(payment_method=payment_method)
        with self._db.session() as s:
            lock_account(s, account_id)
            sub = self._open(s, account_id)
            sub.payment_method = payment_method
            sub.updated_at = self._clock()
            return self._view(s, sub)

    def payments(self, *, account_id: int, limit: int, offset: int) -> tuple[list[Payment], int]:
        """The account's ledger, newest first, and how many entries it has."""
        with self._db.session() as s:
            rows = self._ledger.history(s, account_id=account_id, limit=limit, offset=offset)
            return rows, self._ledger.count(s, account_id=account_id)

    # -- renewals ------------------------------------------------------------------------------

    def renew_due(self, now: datetime | None = None) -> RenewalReport:
        """Charge every subscription whose period has ended; one transaction per subscription."""
        now = now or self._clock()
        with self._db.session() as s:
            due = s.execute(
                select(Subscription.id, Subscription.account_id)
                .where(Subscription.status != _S.CANCELED.value)
                .where(Subscription.current_period_end <= now)
                .order_by(Subscription.id)
            ).all()
        counts: Counter[str] = Counter()
        for sub_id, account_id in due:
            # One subscription that changed under the run must not stop the others' renewals.
            try:
                with self._db.session() as s:
                    counts[self._renew_one(s, sub_id, account_id, now)] += 1
            except (NotFound, Conflict):
                counts["skipped"] += 1
        return RenewalReport(
            counts["renewed"], counts["failed"], counts["canceled"], counts["skipped"]
        )

    def _renew_one(self, s: Session, sub_id: int, account_id: int, now: datetime) -> str:
        lock_account(s, account_id)
        sub = s.get_one(Subscription, sub_id)
        status = _S(sub.status)
        if status is _S.CANCELED or sub.current_period_end > now:
            return "skipped"  # another run got here first
        sub.updated_at = now
        if status is _S.PAST_DUE and now >= sub.current_period_end + GRACE_PERIOD:
            sub.status = transition(status, _S.CANCELED)
            sub.canceled_at = now
            return "canceled"
        plan = s.get_one(Plan, sub.pending_plan_id or sub.plan_id)
        start, end = next_period(status, sub.current_period_end, self._period, now)
        prefix = f"renew:{sub.id}:{sub.current_period_end:%Y%m%dT%H%M%S}:"
        attempts = self._ledger.count(s, account_id=account_id, key_prefix=prefix)
        result, payment = self._ledger.settle(
            s,
            sub=sub,
            currency=plan.currency,
            kind="renewal",
            amount=plan.price_minor,
            key=f"{prefix}{attempts + 1}",
            description=f"{plan.name} plan, {start:%Y-%m-%d} to {end:%Y-%m-%d}",
        )
        if payment is None:
            return "skipped"
        if not result.ok:
            sub.status = transition(status, _S.PAST_DUE)
            return "failed"
        sub.status = transition(status, _S.ACTIVE)
        sub.plan_id, sub.pending_plan_id = plan.id, None
        sub.current_period_start, sub.current_period_end = start, end
        return "renewed"

    # -- the operations inside their transaction --------------------------------------------------

    def _subscribe(
        self, s: Session, account_id: int, plan_code: str, method: str, key: str
    ) -> Outcome:
        lock_account(s, account_id)
        replay = self._replay(s, account_id, key, ("trial", "charge"))
        if replay is not None:
            return replay
        latest = s.scalar(_latest_query(account_id))
        if latest is not None and latest.status != _S.CANCELED.value:
            raise Conflict("you already have a subscription; change its plan instead")
        plan = _offered_plan(s, plan_code)
        now = self._clock()
        trial = latest is None and self._settings.trial_days > 0
        end = now + (timedelta(days=self._settings.trial_days) if trial else self._period)
        sub = Subscription(
            account_id=account_id,
            plan_id=plan.id,
            status=(_S.TRIAL if trial else _S.ACTIVE).value,
            payment_method=method,
            current_period_start=now,
            current_period_end=end,
            created_at=now,
            updated_at=now,
        )
        result, payment = self._ledger.settle(
            s,
            sub=sub,
            currency=plan.currency,
            kind="trial" if trial else "charge",
            amount=0 if trial else plan.price_minor,
            key=key,
            description=f"{'Free trial of the ' if trial else ''}{plan.name} plan, "
            f"{now:%Y-%m-%d} to {end:%Y-%m-%d}",
        )
        if payment is None:  # a concurrent request with the same key won
            return self._must_replay(s, account_id, key, ("trial", "charge"))
        if not result.ok:
            return PaymentFailed(str(result.failure_reason), problems=[_declined(result)])
        s.add(sub)
        s.flush()
        payment.subscription_id = sub.id
        return self._view(s, sub)

    def _change_plan(self, s: Session, account_id: int, plan_code: str, key: str) -> Outcome:
        lock_account(s, account_id)
        replay = self._replay(s, account_id, key, ("proration",))
        if replay is not None:
            return replay
        sub = self._open(s, account_id)
        if sub.status == _S.PAST_DUE.value:
            raise Conflict(
                "the last payment failed; update the payment method before changing plan"
            )
        plan, current = _offered_plan(s, plan_code), s.get_one(Plan, sub.plan_id)
        now = self._clock()
        sub.updated_at = now
        if plan.id == current.id:  # back to the plan in force: drop a scheduled downgrade
            sub.pending_plan_id = None
            return self._view(s, sub)
        if plan.currency != current.currency:
            raise InvalidInput.on("body.plan", f"the plan is billed in {plan.currency}")
        change = plan_change(
            _S(sub.status),
            old_price=current.price_minor,
            new_price=plan.price_minor,
            period_start=sub.current_period_start,
            period_end=sub.current_period_end,
            now=now,
        )
        result, payment = self._ledger.settle(
            s,
            sub=sub,
            currency=plan.currency,
            kind="proration",
            amount=change.amount,
            key=key,
            description=_change_description(plan.name, change, sub.current_period_end),
        )
        if payment is None:
            return self._must_replay(s, account_id, key, ("proration",))
        if not result.ok:
            return PaymentFailed(str(result.failure_reason), problems=[_declined(result)])
        if change.immediate:
            sub.plan_id, sub.pending_plan_id = plan.id, None
        else:
            sub.pending_plan_id = plan.id
        return self._view(s, sub)

    # -- idempotency ----------------------------------------------------------------------------

    def _replay(
        self, s: Session, account_id: int, key: str, kinds: tuple[str, ...]
    ) -> Outcome | None:
        """The original outcome of a request already settled with ``key``, if there was one."""
        payment = self._ledger.find(s, account_id=account_id, key=key)
        if payment is None:
            return None
        if payment.kind not in kinds:
            problem = FieldProblem(_KEY_FIELD, "already used for a different request")
            raise Conflict(
                "the Idempotency-Key was used for a different request", problems=[problem]
            )
        if payment.status != "succeeded":
            reason = str(payment.failure_reason)
            return PaymentFailed(reason, problems=[FieldProblem("body.payment_method", reason)])
        sub = s.get(Subscription, payment.subscription_id) if payment.subscription_id else None
        return self._view(s, sub or self._latest(s, account_id))

    def _must_replay(
        self, s: Session, account_id: int, key: str, kinds: tuple[str, ...]
    ) -> Outcome:
        outcome = self._replay(s, account_id, key, kinds)
        if outcome is None:
            raise Conflict("a concurrent request with this Idempotency-Key is still running")
        return outcome

    # -- lookups --------------------------------------------------------------------------------

    def _latest(self, s: Session, account_id: int) -> Subscription:
        sub = s.scalar(_latest_query(account_id))
        if sub is None:
            raise NotFound("you have no subscription")
        return sub

    def _open(self, s: Session, account_id: int) -> Subscription:
        sub = self._latest(s, account_id)
        if sub.status == _S.CANCELED.value:
            raise Conflict("the subscription is canceled; subscribe again")
        return sub

    def _view(self, s: Session, sub: Subscription) -> SubscriptionView:
        pending = s.get(Plan, sub.pending_plan_id) if sub.pending_plan_id else None
        status = _S(sub.status)
        return SubscriptionView(
            plan=s.get_one(Plan, sub.plan_id).code,
            pending_plan=pending.code if pending else None,
            status=status,
            payment_method=sub.payment_method,
            current_period_start=sub.current_period_start,
            current_period_end=sub.current_period_end,
            canceled_at=sub.canceled_at,
            entitled=is_entitled(status, sub.current_period_end, self._clock()),
        )


def _latest_query(account_id: int) -> Select[Subscription]:
    return (
        select(Subscription)
        .where(Subscription.account_id == account_id)
        .order_by(Subscription.id.desc())
        .limit(1)
    )


def _offered_plan(s: Session, code: str) -> Plan:
    plan = s.scalar(select(Plan).where(Plan.code == code))
    if plan is None or not plan.is_active:
        raise InvalidInput.on("body.plan", f"no plan {code!r} is offered")
    return plan


def _unwrap(outcome: Outcome) -> SubscriptionView:
    # A decline is raised only after the transaction committed, so its ledger entry stays.
    if isinstance(outcome, PaymentFailed):
        raise outcome
    return outcome


def _change_description(plan_name: str, change: PlanChange, period_end: datetime) -> str:
    if not change.immediate:
        return f"{plan_name} plan from {period_end:%Y-%m-%d}"
    if change.amount:
        return f"Upgrade to the {plan_name} plan until {period_end:%Y-%m-%d}"
    return f"Switched to the {plan_name} plan"


def _declined(result: ChargeResult) -> FieldProblem:
    return FieldProblem("body.payment_method", str(result.failure_reason))
