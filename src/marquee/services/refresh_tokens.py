"""Refresh-token families in the database: issue, claim once, revoke.

A login starts a family; each refresh uses up one token and issues the next of the same family.
Only SHA-256 digests are stored, so a database leak yields no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marquee.storage.db.tables import RefreshToken


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_family() -> str:
    return secrets.token_hex(16)


def issue(s: Session, *, account_id: int, family: str, now: datetime, ttl_s: int) -> str:
    """Store a new token of ``family`` and return it (the only time it exists in clear)."""
    token = secrets.token_urlsafe(32)
    s.add(
        RefreshToken(
            account_id=account_id,
            family=family,
            token_hash=digest(token),
            issued_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    return token


def find(s: Session, token: str) -> RefreshToken | None:
    return s.scalars(select(RefreshToken).where(RefreshToken.token_hash == digest(token))).first()


def claim(s: Session, row: RefreshToken, *, now: datetime) -> bool:
    """Mark ``row`` used; False when it was already used or revoked (also by a concurrent call)."""
    result = s.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_family(s: Session, family: str, *, now: datetime) -> None:
    s.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def live_families(s: Session, account_id: int, *, now: datetime) -> list[str]:
    """Families of ``account_id`` that are neither revoked nor expired."""
    rows = s.scalars(
        select(RefreshToken.family)
        .where(
            RefreshToken.account_id == account_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .distinct()
    )
    return list(rows)


def family_is_live(s: Session, family: str) -> bool:
    """True while ``family`` (a login session) has a token that is not revoked. A session of a
    deleted account has no tokens left, so it is not live either."""
    found = s.scalars(
        select(RefreshToken.id)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .limit(1)
    ).first()
    return found is not None
