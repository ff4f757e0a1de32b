"""Turn a template and its context into a page response, with the session's cookies applied."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from marquee.web.session import apply_cookies, csrf_token

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


class Renderer:
    """Jinja2 templates plus cache-busting static URLs (``/static/css/site.css?v=1a2b3c``)."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, static_dir: Path = STATIC_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.globals["static"] = self.static_url
        self._env.globals["poster_url"] = poster_url
        self._env.filters["money"] = money
        self._env.filters["day"] = day
        self._env.filters["clock"] = clock
        self._static_dir = static_dir
        self._versions: dict[str, str] = {}

    def static_url(self, path: str) -> str:
        version = self._versions.get(path)
        if version is None:
            # Hashed once per file per process: a changed file gets a new URL after a restart,
            # so browsers may cache static files for a long time.
            digest = hashlib.sha256((self._static_dir / path).read_bytes()).hexdigest()
            version = self._versions[path] = digest[:10]
        return f"/static/{path}?v={version}"

    def page(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        values = {
            "request": request,
            "csrf_token": csrf_token(request),
            "viewer": getattr(request.state, "viewer", None),
            **(context or {}),
        }
        html = self._env.get_template(template).render(values)
        response = HTMLResponse(html, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        return apply_cookies(request, response)


def poster_url(title_id: int) -> str:
    """The poster of a title: the producer's artwork when there is one, else the generated SVG
    (``/artwork/{id}`` answers with whichever applies)."""
    return f"/artwork/{title_id}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(minor: int, currency: str) -> str:
    """``999, "USD"`` → ``$9.99``; unknown currencies keep their code (``9.99 CHF``)."""
    amount = f"{minor / 100:,.2f}" if currency != "JPY" else f"{minor:,}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"


def day(value: datetime | date | None) -> str:
    """``21 November 2026``; an empty string for None."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def clock(seconds: float | None) -> str:
    """``75`` → ``1:15``; ``3725`` → ``1:02:05``."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def redirect(request: Request, url: str) -> Response:
    """A 303 to ``url`` (See Other: the browser follows a form post with a GET)."""
    if request.headers.get("hx-request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return apply_cookies(request, response)


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
