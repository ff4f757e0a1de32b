"""The catalog: titles, seasons, episodes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["titles"])
