"""Base classes for request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Inputs: unknown fields are an error; strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Outputs: built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)
