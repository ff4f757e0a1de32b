"""Base classes for request and response models."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Inputs: unknown fields are an error; strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Outputs: built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


# Pagination query parameters shared by every list endpoint.
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")]
