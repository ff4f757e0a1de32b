"""Profiles of the caller's account."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["profiles"])
