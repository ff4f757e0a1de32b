"""The caller's own account."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["me"])
