"""Serialise writers that check-then-act, on SQLite and PostgreSQL alike.

``SELECT … FOR UPDATE`` does nothing on SQLite, so each lock is a no-op write: on PostgreSQL it
takes the row locks, on SQLite it takes the database write lock at the start of the transaction.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from marquee.domain.roles import Role
from marquee.errors import NotFound
from marquee.storage.db.tables import Account


def lock_account(s: Session, account_id: int) -> None:
    """Hold ``account_id`` until the transaction ends; NotFound if there is no such account."""
    done = cast(
        CursorResult[Any],
        s.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(is_active=Account.is_active)
            .execution_options(synchronize_session=False)
        ),
    )
    if done.rowcount == 0:
        raise NotFound("no such account")


def lock_active_admins(s: Session) -> None:
    """Hold every active admin row, so "is this the last admin?" stays true until commit."""
    s.execute(
        update(Account)
        .where(Account.role == Role.ADMIN.value, Account.is_active.is_(True))
        .values(is_active=Account.is_active)
        .execution_options(synchronize_session=False)
    )
