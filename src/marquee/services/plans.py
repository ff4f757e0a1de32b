"""The plan catalogue: what subscribers can choose, edited by admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marquee.clock import Clock
from marquee.config import BillingSettings
from marquee.errors import Conflict, FieldProblem, NotFound
from marquee.storage.db import Database
from marquee.storage.db.tables import Plan


class PlansService:
    def __init__(self, *, db: Database, settings: BillingSettings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def list_plans(self, *, include_inactive: bool = False) -> list[Plan]:
        query = select(Plan).order_by(Plan.price_minor, Plan.id)
        if not include_inactive:
            query = query.where(Plan.is_active.is_(True))
        with self._db.session() as s:
            return list(s.scalars(query))

    def create_plan(
        self,
        *,
        code: str,
        name: str,
        price_minor: int,
        max_resolution: int,
        max_streams: int,
        downloads: bool = False,
    ) -> Plan:
        plan = Plan(
            code=code,
            name=name,
            price_minor=price_minor,
            currency=self._settings.currency,
            max_resolution=max_resolution,
            max_streams=max_streams,
            downloads=downloads,
            is_active=True,
            created_at=self._clock(),
        )
        taken = Conflict(f"a plan with code {code!r} exists", problems=[_taken("body.code")])
        try:
            with self._db.session() as s:
                if s.scalar(select(Plan.id).where(Plan.code == code)) is not None:
                    raise taken
                s.add(plan)
        except IntegrityError as exc:  # a concurrent create of the same code
            raise taken from exc
        return plan

    def update_plan(
        self,
        *,
        code: str,
        name: str | None = None,
        price_minor: int | None = None,
        max_resolution: int | None = None,
        max_streams: int | None = None,
        downloads: bool | None = None,
        is_active: bool | None = None,
    ) -> Plan:
        """Change the given fields; a new price is charged from each subscriber's next renewal."""
        changes = {
            "name": name,
            "price_minor": price_minor,
            "max_resolution": max_resolution,
            "max_streams": max_streams,
            "downloads": downloads,
            "is_active": is_active,
        }
        with self._db.session() as s:
            plan = s.scalar(select(Plan).where(Plan.code == code))
            if plan is None:
                raise NotFound(f"no plan {code!r}")
            for field_name, value in changes.items():
                if value is not None:
                    setattr(plan, field_name, value)
            return plan


def _taken(field_name: str) -> FieldProblem:
    return FieldProblem(field_name, "already exists")
