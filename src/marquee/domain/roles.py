"""Account roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    PRODUCER = "producer"
    ADMIN = "admin"

    def can_edit_catalog(self) -> bool:
        return self in (Role.PRODUCER, Role.ADMIN)

    def is_admin(self) -> bool:
        return self is Role.ADMIN
