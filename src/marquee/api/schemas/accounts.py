"""Request and response models for auth, the caller's account, profiles and admin changes.

Shapes only: the rules (password policy, profile limits) live in ``marquee.domain.accounts`` so
their reasons come back naming the field. No model here ever carries a hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import ConfigDict, Field, StringConstraints

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.domain.maturity import LEVELS
from marquee.domain.roles import Role
from marquee.services.accounts import ProfileChanges, ProfileDraft
from marquee.storage.db.tables import Profile

# Bounds that only stop absurd payloads; the real rules answer with their own reasons.
_MAX_TEXT = 1024
Email = Annotated[str, Field(max_length=_MAX_TEXT, examples=["ada@example.com"])]
# Passwords are taken exactly as typed: stripping spaces would silently change them.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=_MAX_TEXT),
    Field(examples=["correct horse battery staple"]),
]
Token = Annotated[
    str,
    Field(
        min_length=1, max_length=_MAX_TEXT, examples=["Vb3kq0Jx2m5oD1cT8yHfZr4uWn6sE9aLpGiQ7tRvYxw"]
    ),
]
_LEVEL = f"The highest maturity level the profile may watch: one of {list(LEVELS)}."


class SignupRequest(RequestModel):
    email: Email
    password: Password


class LoginRequest(RequestModel):
    email: Email
    password: Password


class RefreshRequest(RequestModel):
    refresh_token: Token


class LogoutRequest(RequestModel):
    refresh_token: Token


class PasswordChange(RequestModel):
    current_password: Password
    new_password: Password


class TokenPair(PublicModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class AccountPublic(PublicModel):
    id: int
    email: str
    role: Role
    is_active: bool
    created_at: datetime


class AccountsPublic(PublicModel):
    data: list[AccountPublic]
    count: int


class SignupPublic(PublicModel):
    account: AccountPublic
    tokens: TokenPair


class AccountUpdate(RequestModel):
    """Admin: change a role or (de)activate an account; omitted fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "producer"}]})

    role: Role | None = None
    is_active: bool | None = None


class ProfileCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Kids", "is_kids": True, "language": "pt-BR", "country": "BR"}]
        }
    )

    name: str = Field(max_length=_MAX_TEXT)
    is_kids: bool = False
    maturity_level: int | None = Field(
        default=None, description=_LEVEL + " Defaults to 7 for kids profiles, else 18."
    )
    language: str = Field(default="en", max_length=_MAX_TEXT, examples=["en", "pt-BR"])
    country: str = Field(default="US", max_length=_MAX_TEXT, examples=["US"])
    pin: str | None = Field(default=None, max_length=_MAX_TEXT, examples=["0420"])

    def draft(self) -> ProfileDraft:
        return ProfileDraft(**self.model_dump())


class ProfileUpdate(RequestModel):
    """Omitted fields stay as they are; ``"pin": null`` removes the PIN."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"maturity_level": 13}, {"pin": None}]}
    )

    name: str | None = Field(default=None, max_length=_MAX_TEXT)
    is_kids: bool | None = None
    maturity_level: int | None = Field(default=None, description=_LEVEL)
    language: str | None = Field(default=None, max_length=_MAX_TEXT)
    country: str | None = Field(default=None, max_length=_MAX_TEXT)
    pin: str | None = Field(default=None, max_length=_MAX_TEXT)

    def changes(self) -> ProfileChanges:
        remove_pin = "pin" in self.model_fields_set and self.pin is None
        return ProfileChanges(**self.model_dump(), remove_pin=remove_pin)


class ProfilePublic(PublicModel):
    id: int
    name: str
    is_kids: bool
    maturity_level: int
    language: str
    country: str
    has_pin: bool
    created_at: datetime

    @classmethod
    def of(cls, profile: Profile) -> ProfilePublic:
        return cls(
            id=profile.id,
            name=profile.name,
            is_kids=profile.is_kids,
            maturity_level=profile.maturity_level,
            language=profile.language,
            country=profile.country,
            has_pin=profile.pin_hash is not None,
            created_at=profile.created_at,
        )


class ProfilesPublic(PublicModel):
    data: list[ProfilePublic]
    count: int


class PinCheck(RequestModel):
    pin: str = Field(max_length=_MAX_TEXT, examples=["0420"])


# Path and query parameters. Bounded so no backend sees an integer it cannot store.
MAX_ID = 2**63 - 1
ProfileId = Annotated[int, Path(ge=1, le=MAX_ID, description="A profile of the caller's account.")]
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
