"""Signed media URLs: HMAC-SHA256 over (session, expiry, path scope), checkable without a database.

The token travels in the path, ``/media/s/{session}/{expires}/{sig}/{scope}/{rest}``, so relative
URIs inside a media playlist (``seg_00001.ts``) resolve to URLs that carry the same token. A
signature grants its scope and everything below it, nothing else. The nginx edge
(``deploy/nginx/marquee_edge.js``) implements the same check; keep the two in step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from marquee.config import Settings

VERSION = "v1"
BASE_PATH = "/media/s"
SESSION_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_SIG_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, base64url without padding
_EXPIRES_RE = re.compile(r"[0-9]{1,12}")
_KEY_CONTEXT = b"marquee media url signing v1"


class SignatureError(ValueError):
    """Why a signed path was refused: malformed, expired or not signed for this path."""


@dataclass(frozen=True)
class SignedPath:
    """A verified request: whose session, until when, which scope, and the key asked for."""

    session: str
    expires: int
    scope: str
    key: str


def derive_key(secret: str) -> bytes:
    """The media key from a secret, so an edge never holds the secret that signs tokens."""
    return hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def media_key(settings: Settings) -> bytes:
    """The key of this deployment: from ``playback.url_signing_key``, else ``secret_key``."""
    secret = settings.playback.url_signing_key.get_secret_value()
    return derive_key(secret or settings.secret_key.get_secret_value())


def encode_key(key: bytes) -> str:
    """How an edge is given the key (``MARQUEE_MEDIA_KEY``): base64url without padding."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode()


def split_key(key: str) -> list[str]:
    """The segments of a blob key; raises for empty, ``.`` or ``..`` segments (no escaping)."""
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") for part in parts):
        raise SignatureError("malformed path")
    return parts


class UrlSigner:
    """Makes and checks signed media paths with one key."""

    def __init__(self, key: bytes, *, base_path: str = BASE_PATH) -> None:
        if len(key) < 16:
            raise ValueError("the media signing key must be at least 16 bytes")
        self._key = key
        self.base_path = base_path.rstrip("/")

    def signature(self, *, session: str, expires: int, scope: str) -> str:
        message = f"{VERSION}|{session}|{expires}|{scope}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def url(self, *, session: str, expires: int, scope: str, path: str = "") -> str:
        """The URL of ``path`` (relative to ``scope``; empty for the scope itself)."""
        if not SESSION_RE.fullmatch(session):
            raise ValueError(f"session id {session!r} is not 8-64 URL-safe characters")
        parts = split_key(scope) + (split_key(path) if path else [])
        sig = self.signature(session=session, expires=expires, scope=scope)
        tail = "/".join(quote(part, safe="") for part in parts)
        return f"{self.base_path}/{session}/{expires}/{sig}/{tail}"

    def verify(self, tail: str, *, now: float) -> SignedPath:
        """Check ``{session}/{expires}/{sig}/{key}`` (the part after the base path).

        Every leading run of the key's segments is a candidate scope, so the signer chooses
        how much a signature covers (a variant directory, one file) without saying so in the URL.
        """
        session, expires_text, sig, key = _fields(tail)
        expires = int(expires_text)
        if expires <= now:
            raise SignatureError("the link has expired")
        parts = split_key(key)
        for depth in range(1, len(parts) + 1):
            scope = "/".join(parts[:depth])
            expected = self.signature(session=session, expires=expires, scope=scope)
            if hmac.compare_digest(expected, sig):
                return SignedPath(session=session, expires=expires, scope=scope, key=key)
        raise SignatureError("the signature does not match this path")


def _fields(tail: str) -> tuple[str, str, str, str]:
    pieces = tail.lstrip("/").split("/", 3)
    if len(pieces) != 4:
        raise SignatureError("malformed path")
    session, expires, sig, key = pieces
    if not SESSION_RE.fullmatch(session) or not _EXPIRES_RE.fullmatch(expires):
        raise SignatureError("malformed path")
    if not _SIG_RE.fullmatch(sig):
        raise SignatureError("malformed signature")
    return session, expires, sig, key
