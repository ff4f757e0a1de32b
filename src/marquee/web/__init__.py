"""The website: server-rendered pages (Jinja2 + htmx) over the same services as the API."""

from marquee.web.app import mount_web

__all__ = ["mount_web"]
