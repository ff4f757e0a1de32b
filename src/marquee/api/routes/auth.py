"""Sign-up, login, token refresh and logout."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["auth"])
