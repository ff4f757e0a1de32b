"""Accounts: sign-up, login, token refresh and logout, profiles, and admin changes.

Every method that reads or changes an account's data takes the caller's ``account_id`` and
scopes to it; another account's ids are answered as not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.config import AuthSettings
from marquee.domain.accounts import (
    default_profile_name,
    email_problem,
    normalise_email,
    password_problem,
)
from marquee.domain.roles import Role
from marquee.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from marquee.services import profiles, refresh_tokens
from marquee.services.auth import LoginSessions, TokenPair
from marquee.services.credentials import Credentials
from marquee.services.profiles import ProfileChanges, ProfileDraft
from marquee.services.throttle import AttemptLimiter
from marquee.services.tokens import AccessTokens
from marquee.storage.db import Database
from marquee.storage.db.locks import lock_account, lock_active_admins
from marquee.storage.db.tables import Account, Profile
from marquee.storage.kv import OnlineStore

__all__ = ["AccountsPage", "AccountsService", "ProfileChanges", "ProfileDraft", "SignedUp"]


@dataclass(frozen=True)
class SignedUp:
    account: Account
    tokens: TokenPair


@dataclass(frozen=True)
class AccountsPage:
    items: list[Account]
    count: int


class AccountsService:
    def __init__(
        self,
        *,
        db: Database,
        kv: OnlineStore,
        tokens: AccessTokens,
        settings: AuthSettings,
        clock: Clock,
        credentials: Credentials | None = None,
    ) -> None:
        self._db = db
        self._kv = kv
        self._tokens = tokens
        self._settings = settings
        self._clock = clock
        self._credentials = credentials or Credentials()
        self._sessions = LoginSessions(
            db=db,
            kv=kv,
            tokens=tokens,
            credentials=self._credentials,
            settings=settings,
            clock=clock,
        )
        # PINs have 10,000 values: throttle guesses per profile like logins.
        self._pin_attempts = AttemptLimiter(
            kv=kv,
            clock=clock,
            max_attempts=settings.login_max_attempts,
            window_s=settings.login_window_s,
            prefix="auth:pin",
        )

    # --- sign-up and sessions -------------------------------------------------------------

    def signup(self, *, email: str, password: str) -> SignedUp:
        """Create a viewer account with one profile and log it in."""
        with self._db.session() as s:
            account = self._create(s, email=email, password=password, role=Role.VIEWER)
            tokens = self._sessions.start(s, account)
        return SignedUp(account, tokens)

    def create_account(self, *, email: str, password: str, role: Role) -> Account:
        """Create an account of any role (the CLI's ``users create``)."""
        with self._db.session() as s:
            return self._create(s, email=email, password=password, role=role)

    def login(self, *, email: str, password: str, client: str) -> TokenPair:
        return self._sessions.login(email=email, password=password, client=client)

    def refresh(self, *, refresh_token: str) -> TokenPair:
        return self._sessions.refresh(refresh_token=refresh_token)

    def logout(self, *, refresh_token: str) -> None:
        self._sessions.logout(refresh_token=refresh_token)

    # --- the caller's account -------------------------------------------------------------

    def get_account(self, *, account_id: int) -> Account:
        with self._db.session() as s:
            return _account(s, account_id)

    def change_password(
        self, *, account_id: int, current_password: str, new_password: str, keep_session: str
    ) -> None:
        """Replace the password and end every other session of the account."""
        with self._db.session() as s:
            account = _account(s, account_id)
            self._sessions.attempts.hit(f"email:{account.email}")
            if not self._credentials.verify(account.password_hash, current_password):
                raise InvalidInput.on("body.current_password", "is wrong")
            _check_password(
                new_password,
                email=account.email,
                settings=self._settings,
                field="body.new_password",
            )
            account.password_hash = self._credentials.hash(new_password)
        self._sessions.revoke_all(account_id, keep=keep_session)

    def delete_account(self, *, account_id: int, session: str) -> None:
        """Delete the account and everything it owns; its sessions end at once."""
        with self._db.session() as s:
            account = _account(s, account_id)
            if account.role == Role.ADMIN:
                lock_active_admins(s)
            if account.role == Role.ADMIN and _active_admins(s) <= 1:
                raise Conflict("the last active admin cannot delete their account")
            families = refresh_tokens.live_families(s, account_id, now=self._clock())
            s.delete(account)
        for family in {*families, session}:
            self._tokens.revoke_session(family)

    # --- profiles ---------------------------------------------------------------------

    def list_profiles(self, *, account_id: int) -> list[Profile]:
        with self._db.session() as s:
            return profiles.list_for(s, account_id)

    def create_profile(self, *, account_id: int, draft: ProfileDraft) -> Profile:
        with self._db.session() as s:
            # Concurrent creations must not pass the 5-profile limit.
            lock_account(s, account_id)
            profile = profiles.create(
                s,
                account_id=account_id,
                draft=draft,
                credentials=self._credentials,
                now=self._clock(),
            )
            _flush_or_conflict(s)
            return profile

    def get_profile(self, *, account_id: int, profile_id: int) -> Profile:
        with self._db.session() as s:
            return profiles.get(s, account_id=account_id, profile_id=profile_id)

    def update_profile(
        self, *, account_id: int, profile_id: int, changes: ProfileChanges
    ) -> Profile:
        with self._db.session() as s:
            profile = profiles.get(s, account_id=account_id, profile_id=profile_id)
            profiles.update(s, profile, changes=changes, credentials=self._credentials)
            _flush_or_conflict(s)
            return profile

    def delete_profile(self, *, account_id: int, profile_id: int) -> None:
        with self._db.session() as s:
            lock_account(s, account_id)  # two deletes must not remove the last profile
            profiles.delete(s, profiles.get(s, account_id=account_id, profile_id=profile_id))

    def verify_pin(self, *, account_id: int, profile_id: int, pin: str) -> None:
        """Pass when ``pin`` opens the profile (or it has none); raise Forbidden otherwise."""
        with self._db.session() as s:
            profile = profiles.get(s, account_id=account_id, profile_id=profile_id)
        if profile.pin_hash is None:
            return
        counter = self._pin_attempts.hit(f"profile:{profile.id}")
        if not self._credentials.verify(profile.pin_hash, pin):
            raise Forbidden("the PIN is wrong")
        self._pin_attempts.forgive(counter)

    # --- administration ---------------------------------------------------------------

    def list_accounts(self, *, limit: int, offset: int) -> AccountsPage:
        with self._db.session() as s:
            count = s.scalar(select(func.count()).select_from(Account)) or 0
            items = s.scalars(select(Account).order_by(Account.id).limit(limit).offset(offset))
            return AccountsPage(list(items), count)

    def update_account(
        self,
        *,
        actor_id: int,
        account_id: int,
        role: Role | None = None,
        is_active: bool | None = None,
    ) -> Account:
        """Change an account's role or status; its sessions end so the change applies now."""
        if actor_id == account_id and (role not in (None, Role.ADMIN) or is_active is False):
            raise Forbidden("an admin cannot demote or deactivate themselves")
        with self._db.session() as s:
            account = _account(s, account_id)
            removes_admin = (
                account.role == Role.ADMIN
                and account.is_active
                and (role not in (None, Role.ADMIN) or is_active is False)
            )
            if removes_admin:
                lock_active_admins(s)  # two admins demoting each other must leave one
                if _active_admins(s) <= 1:
                    raise Conflict("the last active admin cannot be demoted or deactivated")
            changed = (role is not None and role != account.role) or (
                is_active is not None and is_active != account.is_active
            )
            if role is not None:
                account.role = role.value
            if is_active is not None:
                account.is_active = is_active
        if changed:
            self._sessions.revoke_all(account_id)
        return account

    # --- internals --------------------------------------------------------------------

    def _create(self, s: Session, *, email: str, password: str, role: Role) -> Account:
        email = normalise_email(email)
        reason = email_problem(email)
        if reason is not None:
            raise InvalidInput.on("body.email", reason)
        _check_password(password, email=email, settings=self._settings, field="body.password")
        if s.scalars(select(Account.id).where(Account.email == email)).first() is not None:
            raise _email_taken()
        account = Account(
            email=email,
            password_hash=self._credentials.hash(password),
            role=role.value,
            created_at=self._clock(),
        )
        account.profiles.append(
            Profile(name=default_profile_name(email), created_at=account.created_at)
        )
        s.add(account)
        _flush_or_conflict(s, _email_taken())
        return account


def _account(s: Session, account_id: int) -> Account:
    account = s.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


def _check_password(password: str, *, email: str, settings: AuthSettings, field: str) -> None:
    reason = password_problem(password, email=email, min_length=settings.min_password_length)
    if reason is not None:
        raise InvalidInput.on(field, reason)


def _active_admins(s: Session) -> int:
    query = (
        select(func.count())
        .select_from(Account)
        .where(Account.role == Role.ADMIN.value, Account.is_active.is_(True))
    )
    return s.scalar(query) or 0


def _email_taken() -> Conflict:
    return Conflict(
        "an account with this e-mail already exists",
        problems=[FieldProblem("body.email", "already registered")],
    )


def _flush_or_conflict(s: Session, error: Conflict | None = None) -> None:
    """Flush now so a unique-constraint race becomes a 409, not a 500."""
    try:
        s.flush()
    except IntegrityError:
        raise error or Conflict("the change conflicts with another one; retry") from None
