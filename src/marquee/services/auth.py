"""Login sessions: password login, refresh-token rotation with reuse detection, logout.

A login session is one refresh-token family; its id is the ``sid`` of every access token issued
in it, so revoking the family also kills those access tokens (``AccessTokens.revoke_session``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.config import AuthSettings
from marquee.domain.accounts import email_problem, normalise_email
from marquee.domain.roles import Role
from marquee.errors import Forbidden, Unauthenticated
from marquee.services import refresh_tokens
from marquee.services.credentials import Credentials
from marquee.services.throttle import AttemptLimiter
from marquee.services.tokens import AccessTokens
from marquee.storage.db import Database
from marquee.storage.db.tables import Account
from marquee.storage.kv import OnlineStore

# A client address is shared by everyone behind one NAT, so it gets more attempts than an e-mail.
CLIENT_ALLOWANCE = 5
WRONG_CREDENTIALS = "e-mail or password is wrong"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class LoginSessions:
    """Starts, rotates and ends login sessions; built by ``AccountsService``."""

    def __init__(
        self,
        *,
        db: Database,
        kv: OnlineStore,
        tokens: AccessTokens,
        credentials: Credentials,
        settings: AuthSettings,
        clock: Clock,
    ) -> None:
        self._db = db
        self._tokens = tokens
        self._credentials = credentials
        self._settings = settings
        self._clock = clock
        self.attempts = AttemptLimiter(
            kv=kv,
            clock=clock,
            max_attempts=settings.login_max_attempts,
            window_s=settings.login_window_s,
            prefix="auth:attempts",
        )

    def login(self, *, email: str, password: str, client: str) -> TokenPair:
        """Check the password and start a session; throttled per e-mail and per client."""
        email = normalise_email(email)
        counters = (
            self.attempts.hit(f"client:{client}", allowance=CLIENT_ALLOWANCE),
            self.attempts.hit(f"email:{email}"),
        )
        with self._db.session() as s:
            account = None
            if email_problem(email) is None:
                account = s.scalars(select(Account).where(Account.email == email)).first()
            stored = account.password_hash if account is not None else None
            if account is None or not self._credentials.verify(stored, password):
                raise Unauthenticated(WRONG_CREDENTIALS)
            if not account.is_active:
                raise Forbidden("this account is disabled; contact an administrator")
            if stored is not None and self._credentials.needs_rehash(stored):
                account.password_hash = self._credentials.hash(password)
            tokens = self.start(s, account)
        for counter in counters:
            self.attempts.forgive(counter)
        return tokens

    def start(self, s: Session, account: Account) -> TokenPair:
        """Start a session (refresh-token family) for ``account`` in the caller's unit of work."""
        family = refresh_tokens.new_family()
        return self._pair(s, account, family)

    def refresh(self, *, refresh_token: str) -> TokenPair:
        """Use up ``refresh_token`` and return the next pair of the same session.

        A token presented twice means it was copied: the whole session is revoked.
        """
        now = self._clock()
        with self._db.session() as s:
            row = refresh_tokens.find(s, refresh_token)
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                raise Unauthenticated("the refresh token is not valid; log in again")
            account = s.get(Account, row.account_id)
            if account is None or not account.is_active:
                raise Unauthenticated("the account is disabled; log in again")
            if refresh_tokens.claim(s, row, now=now):
                return self._pair(s, account, row.family)
            family = row.family
        # Reuse: commit the revocation first, then refuse.
        self.revoke(family)
        raise Unauthenticated("the refresh token was already used; the session is revoked")

    def logout(self, *, refresh_token: str) -> None:
        """End the session ``refresh_token`` belongs to; an unknown token is already logged out."""
        with self._db.session() as s:
            row = refresh_tokens.find(s, refresh_token)
            family = row.family if row is not None else None
        if family is not None:
            self.revoke(family)

    def revoke(self, family: str) -> None:
        """Refuse every refresh and access token of ``family`` from now on."""
        with self._db.session() as s:
            refresh_tokens.revoke_family(s, family, now=self._clock())
        self._tokens.revoke_session(family)

    def revoke_all(self, account_id: int, *, keep: str | None = None) -> None:
        """Revoke every live session of ``account_id`` except ``keep``."""
        with self._db.session() as s:
            families = refresh_tokens.live_families(s, account_id, now=self._clock())
        for family in families:
            if family != keep:
                self.revoke(family)

    def _pair(self, s: Session, account: Account, family: str) -> TokenPair:
        refresh = refresh_tokens.issue(
            s,
            account_id=account.id,
            family=family,
            now=self._clock(),
            ttl_s=self._settings.refresh_token_ttl_s,
        )
        access = self._tokens.issue(account_id=account.id, role=Role(account.role), session=family)
        return TokenPair(access, refresh, self._tokens.ttl_s)
