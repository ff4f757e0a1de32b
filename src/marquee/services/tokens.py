"""Short-lived JWT access tokens, checkable without the database while the online store answers.

An access token names its login session (``sid``); logging out marks the session revoked in the
online store for the token's remaining lifetime, so a stolen access token dies with the session.
When the store is down, ``Revocations`` checks the session's refresh-token family in the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from marquee.clock import Clock
from marquee.domain.roles import Role
from marquee.errors import Unauthenticated
from marquee.services.revocations import Revocations, revoked_key
from marquee.storage.db import Database
from marquee.storage.kv import OnlineStore

__all__ = ["AccessTokens", "Principal", "revoked_key"]

ALGORITHM = "HS256"
ISSUER = "marquee"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account, its role, and the login session the token belongs to."""

    account_id: int
    role: Role
    session: str


class AccessTokens:
    def __init__(
        self,
        *,
        secret: str,
        ttl_s: int,
        kv: OnlineStore,
        clock: Clock,
        db: Database | None = None,
    ) -> None:
        self._secret = secret
        self._ttl_s = ttl_s
        self._clock = clock
        # Without ``db`` an unreachable store makes every check fail (503), as before.
        self._revocations = Revocations(kv=kv, db=db, ttl_s=ttl_s)

    @property
    def ttl_s(self) -> int:
        return self._ttl_s

    def issue(self, *, account_id: int, role: Role, session: str) -> str:
        now = self._clock()
        claims = {
            "iss": ISSUER,
            "sub": str(account_id),
            "role": role.value,
            "sid": session,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self._ttl_s)).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        principal = self._principal(token)
        if self._revocations.is_revoked(principal.session):
            raise Unauthenticated("the session has been logged out")
        return principal

    def verify_cached(self, token: str) -> Principal | None:
        """``verify`` without I/O: None when the session's revocation state is not cached here
        (then call ``verify``, which reads the online store or the database)."""
        principal = self._principal(token)
        revoked = self._revocations.cached(principal.session)
        if revoked is None:
            return None
        if revoked:
            raise Unauthenticated("the session has been logged out")
        return principal

    def _principal(self, token: str) -> Principal:
        try:
            claims = self._decode(token)
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the access token has expired; refresh it") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("the access token is not valid") from None
        try:
            principal = Principal(
                int(str(claims["sub"])), Role(str(claims["role"])), str(claims["sid"])
            )
        except (ValueError, KeyError):
            raise Unauthenticated("the access token is not valid") from None
        return principal

    def _decode(self, token: str) -> dict[str, object]:
        # Times are checked against the injected clock, not PyJWT's wall clock.
        claims: dict[str, object] = jwt.decode(
            token,
            self._secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["exp", "sub", "sid", "role"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        exp = claims["exp"]
        if not isinstance(exp, int) or exp <= self._clock().timestamp():
            raise jwt.ExpiredSignatureError("expired")
        return claims

    def revoke_session(self, session: str) -> None:
        """Refuse every access token of ``session`` until the longest of them has expired."""
        self._revocations.revoke(session)
