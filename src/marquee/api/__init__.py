"""The HTTP API: ``create_app(settings)``, dependencies, error mapping, one router per resource."""

from marquee.api.app import create_app

__all__ = ["create_app"]
