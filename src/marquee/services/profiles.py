"""Profile rules applied inside a unit of work: every lookup is scoped to one account."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marquee.domain.accounts import (
    MAX_PROFILES,
    ProfileFields,
    default_maturity,
    normalise_country,
    normalise_language,
    pin_problem,
    profile_problems,
)
from marquee.errors import Conflict, FieldProblem, InvalidInput, NotFound
from marquee.services.credentials import Credentials
from marquee.storage.db.tables import Profile


@dataclass(frozen=True)
class ProfileDraft:
    """A new profile as asked for; omitted maturity follows the kids flag."""

    name: str
    is_kids: bool = False
    maturity_level: int | None = None
    language: str = "en"
    country: str = "US"
    pin: str | None = None


@dataclass(frozen=True)
class ProfileChanges:
    """Fields to change; None leaves a field as it is. ``remove_pin`` clears the PIN."""

    name: str | None = None
    is_kids: bool | None = None
    maturity_level: int | None = None
    language: str | None = None
    country: str | None = None
    pin: str | None = None
    remove_pin: bool = False


def list_for(s: Session, account_id: int) -> list[Profile]:
    return list(
        s.scalars(select(Profile).where(Profile.account_id == account_id).order_by(Profile.id))
    )


def get(s: Session, *, account_id: int, profile_id: int) -> Profile:
    """The profile, if it belongs to ``account_id``; another account's id is simply not found."""
    profile = s.scalars(
        select(Profile).where(Profile.id == profile_id, Profile.account_id == account_id)
    ).first()
    if profile is None:
        raise NotFound(f"no profile {profile_id}")
    return profile


def create(
    s: Session, *, account_id: int, draft: ProfileDraft, credentials: Credentials, now: datetime
) -> Profile:
    pin_hash = None if draft.pin is None else _pin_hash(draft.pin, credentials)
    fields = _checked(
        ProfileFields(
            name=draft.name.strip(),
            is_kids=draft.is_kids,
            maturity_level=(
                default_maturity(is_kids=draft.is_kids)
                if draft.maturity_level is None
                else draft.maturity_level
            ),
            language=normalise_language(draft.language),
            country=normalise_country(draft.country),
        )
    )
    if _count(s, account_id) >= MAX_PROFILES:
        raise Conflict(f"an account has at most {MAX_PROFILES} profiles; delete one first")
    _ensure_name_free(s, account_id=account_id, name=fields.name, except_id=None)
    profile = Profile(account_id=account_id, pin_hash=pin_hash, created_at=now, **vars(fields))
    s.add(profile)
    return profile


def update(
    s: Session, profile: Profile, *, changes: ProfileChanges, credentials: Credentials
) -> Profile:
    current = ProfileFields(
        profile.name, profile.is_kids, profile.maturity_level, profile.language, profile.country
    )
    fields = _checked(_merged(current, changes))
    if fields.name.casefold() != profile.name.casefold():
        _ensure_name_free(s, account_id=profile.account_id, name=fields.name, except_id=profile.id)
    for key, value in vars(fields).items():
        setattr(profile, key, value)
    if changes.remove_pin:
        profile.pin_hash = None
    elif changes.pin is not None:
        profile.pin_hash = _pin_hash(changes.pin, credentials)
    return profile


def delete(s: Session, profile: Profile) -> None:
    """Remove ``profile``; an account keeps at least one, since watching happens in a profile."""
    if _count(s, profile.account_id) <= 1:
        raise Conflict("an account keeps at least one profile; create another before deleting")
    s.delete(profile)


def _merged(current: ProfileFields, changes: ProfileChanges) -> ProfileFields:
    fields = replace(
        current,
        name=current.name if changes.name is None else changes.name.strip(),
        language=(
            current.language if changes.language is None else normalise_language(changes.language)
        ),
        country=current.country if changes.country is None else normalise_country(changes.country),
    )
    if changes.is_kids is not None:
        fields = replace(fields, is_kids=changes.is_kids)
    if changes.maturity_level is not None:
        fields = replace(fields, maturity_level=changes.maturity_level)
    elif changes.is_kids and current.maturity_level > default_maturity(is_kids=True):
        # Turning a profile into a kids profile lowers its level rather than refusing.
        fields = replace(fields, maturity_level=default_maturity(is_kids=True))
    return fields


def _checked(fields: ProfileFields) -> ProfileFields:
    problems = [FieldProblem(f"body.{field}", reason) for field, reason in profile_problems(fields)]
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.reason}" for p in problems), problems=problems)
    return fields


def _pin_hash(pin: str, credentials: Credentials) -> str:
    reason = pin_problem(pin)
    if reason is not None:
        raise InvalidInput.on("body.pin", reason)
    return credentials.hash(pin)


def _count(s: Session, account_id: int) -> int:
    query = select(func.count()).select_from(Profile).where(Profile.account_id == account_id)
    return s.scalar(query) or 0


def _ensure_name_free(s: Session, *, account_id: int, name: str, except_id: int | None) -> None:
    taken = {p.name.casefold() for p in list_for(s, account_id) if p.id != except_id}
    if name.casefold() in taken:
        raise Conflict(
            f"a profile named {name!r} already exists",
            problems=[FieldProblem("body.name", "already used by another profile")],
        )
