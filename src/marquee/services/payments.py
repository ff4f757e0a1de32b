"""The payments ledger, the provider interface and a built-in provider that settles in-process."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.errors import InvalidInput
from marquee.storage.db.tables import Payment, Subscription

DEFAULT_PAYMENT_METHOD = "pm_card_ok"


@dataclass(frozen=True)
class ChargeResult:
    """What the provider answered: settled (``ok``) with its reference, or why not."""

    ok: bool
    provider_ref: str | None = None
    failure_reason: str | None = None


class PaymentProvider(Protocol):
    """Moves money. ``charge`` must be idempotent per ``(account_id, idempotency_key)``."""

    def verify_method(self, *, payment_method: str) -> None:
        """Raise ``InvalidInput`` on ``body.payment_method`` if the method cannot be charged."""

    def charge(
        self,
        *,
        account_id: int,
        amount_minor: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
    ) -> ChargeResult:
        """Charge ``amount_minor`` (an int, in minor units); a decline is a result, not an error."""
        ...


# Test tokens, after the convention of hosted payment providers.
_OUTCOMES: dict[str, str | None] = {
    "pm_card_ok": None,
    "pm_card_declined": "the card was declined",
    "pm_card_insufficient_funds": "the card has insufficient funds",
}


class BuiltinProvider:
    """Settles at once, in-process; the outcome depends only on the payment-method token.

    Like a real provider it remembers recent idempotency keys, so a retried charge returns the
    first answer instead of charging again.
    """

    def __init__(self, *, remember: int = 10_000) -> None:
        self._remember = remember
        self._seen: OrderedDict[tuple[int, str], ChargeResult] = OrderedDict()

    def verify_method(self, *, payment_method: str) -> None:
        if payment_method not in _OUTCOMES:
            known = ", ".join(sorted(_OUTCOMES))
            raise InvalidInput.on(
                "body.payment_method", f"unknown payment method; use one of {known}"
            )

    def charge(
        self,
        *,
        account_id: int,
        amount_minor: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
    ) -> ChargeResult:
        self.verify_method(payment_method=payment_method)
        if amount_minor < 0:
            raise ValueError("amount_minor must not be negative")
        key = (account_id, idempotency_key)
        if key in self._seen:
            return self._seen[key]
        failure = _OUTCOMES[payment_method]
        if failure is None:
            digest = hashlib.sha256(f"{account_id}:{idempotency_key}".encode()).hexdigest()
            result = ChargeResult(ok=True, provider_ref=f"builtin_{digest[:24]}")
        else:
            result = ChargeResult(ok=False, failure_reason=failure)
        self._seen[key] = result
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        return result


class Ledger:
    """The payments table: charges through the provider and records every attempt once."""

    def __init__(self, *, provider: PaymentProvider, clock: Clock) -> None:
        self._provider = provider
        self._clock = clock

    def find(self, s: Session, *, account_id: int, key: str) -> Payment | None:
        return s.scalar(
            select(Payment).where(Payment.account_id == account_id, Payment.idempotency_key == key)
        )

    def count(self, s: Session, *, account_id: int, key_prefix: str = "") -> int:
        query = select(func.count()).select_from(Payment).where(Payment.account_id == account_id)
        if key_prefix:
            query = query.where(Payment.idempotency_key.startswith(key_prefix, autoescape=True))
        return int(s.scalar(query) or 0)

    def history(self, s: Session, *, account_id: int, limit: int, offset: int) -> list[Payment]:
        return list(
            s.scalars(
                select(Payment)
                .where(Payment.account_id == account_id)
                .order_by(Payment.created_at.desc(), Payment.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )

    def settle(
        self,
        s: Session,
        *,
        sub: Subscription,
        currency: str,
        kind: str,
        amount: int,
        key: str,
        description: str,
    ) -> tuple[ChargeResult, Payment | None]:
        """Charge ``sub``'s payment method (when there is anything to charge) and record it.

        The entry is None when another transaction already recorded one with this key: the
        unique constraint on (account_id, idempotency_key) decides the race, and the provider,
        idempotent on the same key, has not charged twice.
        """
        result = ChargeResult(ok=True)
        if amount > 0:
            result = self._provider.charge(
                account_id=sub.account_id,
                amount_minor=amount,
                currency=currency,
                payment_method=sub.payment_method,
                idempotency_key=key,
            )
        payment = Payment(
            account_id=sub.account_id,
            subscription_id=sub.id,
            kind=kind,
            amount_minor=amount,
            currency=currency,
            status="succeeded" if result.ok else "failed",
            description=description[:200],
            idempotency_key=key,
            provider_ref=result.provider_ref,
            failure_reason=result.failure_reason,
            created_at=self._clock(),
        )
        try:
            with s.begin_nested():
                s.add(payment)
        except IntegrityError:
            return result, None
        return result, payment
