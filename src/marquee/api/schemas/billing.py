"""Request and response models for plans, the caller's subscription and payments.

Money is always an integer number of minor units (cents) with its ISO 4217 currency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Header, Path
from pydantic import ConfigDict, Field

from marquee.api.schemas.base import PublicModel, RequestModel
from marquee.domain.billing import SubscriptionStatus

_CODE = r"^[a-z0-9][a-z0-9_-]{0,31}$"
PlanCode = Annotated[str, Field(min_length=1, max_length=32, pattern=_CODE, examples=["standard"])]
PlanCodePath = Annotated[
    str, Path(max_length=32, pattern=_CODE, description="A plan code, e.g. `premium`.")
]
# Printable text only: PostgreSQL refuses NUL, and control characters have no place in a name.
_NAME = r"^[^\x00-\x1f\x7f]+$"
PaymentMethod = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^pm_[a-z0-9_]+$",
        description="A payment-method token; the built-in provider knows `pm_card_ok`, "
        "`pm_card_declined` and `pm_card_insufficient_funds`.",
        examples=["pm_card_ok"],
    ),
]
# strict: a price of 7.99 or "799" is refused rather than silently converted.
PriceMinor = Annotated[
    int,
    Field(strict=True, ge=0, le=10_000_000, description="Price per period in minor units."),
]
Resolution = Literal[480, 720, 1080, 1440, 2160]
Streams = Annotated[int, Field(strict=True, ge=1, le=16)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="Retrying with the same key returns the first outcome and never charges "
        "twice. One is generated when absent.",
    ),
]


class PlanCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "mobile",
                    "name": "Mobile",
                    "price_minor": 499,
                    "max_resolution": 480,
                    "max_streams": 1,
                    "downloads": True,
                }
            ]
        }
    )

    code: PlanCode
    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    price_minor: PriceMinor
    max_resolution: Resolution
    max_streams: Streams
    downloads: bool = False


class PlanUpdate(RequestModel):
    """Omitted fields stay as they are. A new price applies from each subscriber's renewal."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"price_minor": 1399}, {"is_active": False}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=_NAME)
    price_minor: PriceMinor | None = None
    max_resolution: Resolution | None = None
    max_streams: Streams | None = None
    downloads: bool | None = None
    is_active: bool | None = None


class PlanPublic(PublicModel):
    code: str
    name: str
    price_minor: int
    currency: str
    max_resolution: int = Field(description="Frame height in pixels.")
    max_streams: int
    downloads: bool
    is_active: bool


class PlansPublic(PublicModel):
    data: list[PlanPublic]
    count: int


class SubscriptionCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"plan": "standard", "payment_method": "pm_card_ok"}]}
    )

    plan: PlanCode
    payment_method: PaymentMethod = "pm_card_ok"


class SubscriptionUpdate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"plan": "premium"}]})

    plan: PlanCode


class PaymentMethodUpdate(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"payment_method": "pm_card_ok"}]})

    payment_method: PaymentMethod


class SubscriptionPublic(PublicModel):
    plan: str
    pending_plan: str | None = Field(description="The plan that takes over at the next renewal.")
    status: SubscriptionStatus
    payment_method: str
    current_period_start: datetime
    current_period_end: datetime
    canceled_at: datetime | None
    entitled: bool = Field(description="Whether the subscription grants access now.")


class PaymentPublic(PublicModel):
    id: int
    kind: str = Field(description="trial, charge, renewal or proration.")
    amount_minor: int
    currency: str
    status: str = Field(description="succeeded or failed.")
    description: str
    provider_ref: str | None
    failure_reason: str | None
    created_at: datetime


class PaymentsPublic(PublicModel):
    data: list[PaymentPublic]
    count: int
