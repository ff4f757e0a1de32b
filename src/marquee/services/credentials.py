"""Hashing and checking secrets (passwords, profile PINs) with argon2id."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Credentials:
    """argon2id with the library's defaults; one instance per process."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _decoy(self) -> str:
        # Checked when an account has no usable hash, so a miss costs as long as a hit.
        return self._hasher.hash("marquee-decoy-secret")

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, stored: str | None, secret: str) -> bool:
        """True when ``secret`` matches ``stored``; a missing hash never matches."""
        try:
            # surrogatepass: odd input must fail to match, not fail to encode.
            given = secret.encode("utf-8", "surrogatepass")
            return self._hasher.verify(stored or self._decoy, given) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with weaker parameters than today's."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
