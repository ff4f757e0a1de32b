"""The subscription state machine, entitlement windows and proration arithmetic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marquee.domain.billing import (
    GRACE_PERIOD,
    TRANSITIONS,
    SubscriptionStatus,
    is_entitled,
    next_period,
    plan_change,
    prorate,
    transition,
)
from marquee.errors import Conflict

S = SubscriptionStatus
START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD = timedelta(days=30)
END = START + PERIOD

ALLOWED = {
    (S.TRIAL, S.ACTIVE),
    (S.TRIAL, S.PAST_DUE),
    (S.TRIAL, S.CANCELED),
    (S.ACTIVE, S.ACTIVE),
    (S.ACTIVE, S.PAST_DUE),
    (S.ACTIVE, S.CANCELED),
    (S.PAST_DUE, S.ACTIVE),
    (S.PAST_DUE, S.PAST_DUE),
    (S.PAST_DUE, S.CANCELED),
}
REFUSED = set(itertools.product(S, S)) - ALLOWED


def test_the_transition_table_is_exactly_the_documented_one() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition_returns_the_target(current: S, target: S) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), sorted(REFUSED))
def test_refused_transition_is_a_conflict_with_a_reason(current: S, target: S) -> None:
    with pytest.raises(Conflict, match=f"a {current.value} subscription cannot become"):
        transition(current, target)


def test_nothing_leaves_canceled() -> None:
    for target in S:
        with pytest.raises(Conflict, match="already canceled"):
            transition(S.CANCELED, target)


def test_nothing_returns_to_trial() -> None:
    for current in S:
        with pytest.raises(Conflict):
            transition(current, S.TRIAL)


# -- entitlement windows -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.TRIAL, S.ACTIVE, S.PAST_DUE])
def test_live_statuses_are_entitled_until_the_grace_period_ends(status: S) -> None:
    assert is_entitled(status, END, START)
    assert is_entitled(status, END, END)
    assert is_entitled(status, END, END + GRACE_PERIOD - timedelta(seconds=1))
    assert not is_entitled(status, END, END + GRACE_PERIOD)


def test_canceled_is_entitled_until_the_paid_period_ends_and_not_a_second_more() -> None:
    assert is_entitled(S.CANCELED, END, START)
    assert is_entitled(S.CANCELED, END, END - timedelta(microseconds=1))
    assert not is_entitled(S.CANCELED, END, END)
    assert not is_entitled(S.CANCELED, END, END + timedelta(days=1))


def test_grace_period_is_three_days() -> None:
    assert timedelta(days=3) == GRACE_PERIOD


# -- proration ---------------------------------------------------------------------------------


def test_upgrade_at_the_start_of_the_period_charges_the_full_difference() -> None:
    assert prorate(799, 1799, START, END, START) == 1000


def test_upgrade_half_way_charges_half_the_difference() -> None:
    assert prorate(799, 1799, START, END, START + timedelta(days=15)) == 500


def test_upgrade_rounds_up_to_a_whole_minor_unit() -> None:
    # 500 × 20/30 = 333.33… → 334
    assert prorate(1299, 1799, START, END, START + timedelta(days=10)) == 334
    # 1000 × 1/30 = 33.33… → 34
    assert prorate(799, 1799, START, END, END - timedelta(days=1)) == 34


def test_exact_fractions_are_not_rounded_up() -> None:
    # 300 × 10/30 = 100 exactly
    assert prorate(100, 400, START, END, START + timedelta(days=20)) == 100


def test_one_microsecond_left_still_charges_one_minor_unit() -> None:
    assert prorate(799, 1799, START, END, END - timedelta(microseconds=1)) == 1


def test_upgrade_at_or_after_the_period_end_charges_nothing() -> None:
    assert prorate(799, 1799, START, END, END) == 0
    assert prorate(799, 1799, START, END, END + timedelta(days=2)) == 0


def test_upgrade_before_the_period_start_charges_no_more_than_the_difference() -> None:
    assert prorate(799, 1799, START, END, START - timedelta(days=5)) == 1000


@pytest.mark.parametrize(("old", "new"), [(1799, 799), (1299, 1299), (1799, 0)])
def test_downgrade_or_same_price_charges_nothing_now(old: int, new: int) -> None:
    assert prorate(old, new, START, END, START + timedelta(days=3)) == 0


def test_an_empty_period_charges_nothing() -> None:
    assert prorate(799, 1799, START, START, START) == 0


@given(
    old=st.integers(0, 1_000_000),
    new=st.integers(0, 1_000_000),
    elapsed_s=st.integers(-86_400, 31 * 86_400),
)
def test_proration_is_an_int_between_zero_and_the_difference(
    old: int, new: int, elapsed_s: int
) -> None:
    amount = prorate(old, new, START, END, START + timedelta(seconds=elapsed_s))
    assert isinstance(amount, int)
    assert 0 <= amount <= max(new - old, 0)


# -- plan changes ------------------------------------------------------------------------------


def test_upgrade_applies_now_for_the_prorated_amount() -> None:
    change = plan_change(
        S.ACTIVE, old_price=799, new_price=1799, period_start=START, period_end=END, now=START
    )
    assert (change.amount, change.immediate) == (1000, True)


def test_downgrade_waits_for_the_renewal_and_charges_nothing() -> None:
    change = plan_change(
        S.ACTIVE, old_price=1799, new_price=799, period_start=START, period_end=END, now=START
    )
    assert (change.amount, change.immediate) == (0, False)


@pytest.mark.parametrize(("old", "new"), [(799, 1799), (1799, 799)])
def test_any_change_during_the_trial_is_free_and_immediate(old: int, new: int) -> None:
    change = plan_change(
        S.TRIAL, old_price=old, new_price=new, period_start=START, period_end=END, now=START
    )
    assert (change.amount, change.immediate) == (0, True)


# -- renewal periods ---------------------------------------------------------------------------


def test_a_renewal_follows_on_from_the_last_period() -> None:
    late = END + timedelta(hours=5)
    assert next_period(S.ACTIVE, END, PERIOD, late) == (END, END + PERIOD)
    assert next_period(S.TRIAL, END, PERIOD, late) == (END, END + PERIOD)


def test_a_recovered_past_due_payment_buys_a_full_period_from_now() -> None:
    paid_at = END + timedelta(days=2)
    assert next_period(S.PAST_DUE, END, PERIOD, paid_at) == (paid_at, paid_at + PERIOD)


def test_a_renewal_more_than_a_period_late_starts_now() -> None:
    much_later = END + PERIOD + timedelta(days=1)
    assert next_period(S.ACTIVE, END, PERIOD, much_later) == (much_later, much_later + PERIOD)
