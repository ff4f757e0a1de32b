"""The producers' studio: titles, their metadata, source uploads (tus, resumable, from the
browser), transcoding progress and errors, and artwork."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from pydantic import ValidationError

from marquee.errors import ApiError, Forbidden, InvalidInput
from marquee.web.deps import ContainerDep, RendererDep, TitleId, ViewerDep
from marquee.web.render import redirect
from marquee.web.session import Viewer, check_csrf

router = APIRouter()
FormText = Annotated[str, Form()]
ARTWORK_MAX_BYTES = 2 * 1024 * 1024
# Magic numbers, not the browser's word: what the file really is.
ARTWORK_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"RIFF": "image/webp",
}
TITLES_SHOWN = 100
_EDITABLE = ("name", "description", "year", "runtime_minutes", "maturity_rating", "genres")


def producer(viewer: ViewerDep) -> Viewer:
    if not viewer.principal.role.can_edit_catalog():
        raise Forbidden("only producers and admins may use the studio")
    return viewer


ProducerDep = Annotated[Viewer, Depends(producer)]


@router.get("/studio")
def studio(
    request: Request, viewer: ProducerDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    titles, count = container.catalog.list_titles(sort="-created", limit=TITLES_SHOWN)
    context = {"titles": titles, "count": count, "form": {}, "errors": {}}
    return renderer.page(request, "studio.html", context)


@router.post("/studio/titles")
def create_title(
    *,
    request: Request,
    viewer: ProducerDep,
    container: ContainerDep,
    renderer: RendererDep,
    name: FormText = "",
    kind: FormText = "movie",
    csrf_token: FormText = "",
) -> Response:
    from marquee.api.schemas.catalog import TitleCreate  # here: marquee.api imports this package

    check_csrf(request, csrf_token)
    try:
        body = TitleCreate.model_validate({"name": name.strip(), "kind": kind})
        title = container.catalog.create_title(kind=body.kind, name=body.name, **body.fields())
    except (ValidationError, ApiError) as exc:
        titles, count = container.catalog.list_titles(sort="-created", limit=TITLES_SHOWN)
        context = {
            "titles": titles,
            "count": count,
            "form": {"name": name, "kind": kind},
            "errors": _errors(exc),
        }
        return renderer.page(request, "studio.html", context, status_code=422)
    return redirect(request, f"/studio/titles/{title.id}")


@router.get("/studio/titles/{title_id}")
def edit_page(
    request: Request,
    title_id: TitleId,
    viewer: ProducerDep,
    container: ContainerDep,
    renderer: RendererDep,
) -> Response:
    title = container.catalog.get_title(title_id=title_id)
    return renderer.page(request, "studio_title.html", _edit_context(container, title))


def _edit_context(container: ContainerDep, title: Any, **extra: Any) -> dict[str, Any]:
    form = {
        "name": title.name,
        "description": title.description,
        "year": title.year or "",
        "runtime_minutes": title.runtime_minutes or "",
        "maturity_rating": title.maturity_rating,
        "genres": ", ".join(g.name for g in title.genres),
    }
    return {
        "title": title,
        "form": form,
        "errors": {},
        "assets": container.media.list_for_title(title_id=title.id),
        "max_upload_bytes": container.settings.media.max_upload_bytes,
        **extra,
    }


@router.post("/studio/titles/{title_id}")
def save_title(
    *,
    request: Request,
    title_id: TitleId,
    viewer: ProducerDep,
    container: ContainerDep,
    renderer: RendererDep,
    csrf_token: FormText = "",
    name: FormText = "",
    description: FormText = "",
    year: FormText = "",
    runtime_minutes: FormText = "",
    maturity_rating: FormText = "",
    genres: FormText = "",
) -> Response:
    from marquee.api.schemas.catalog import TitleUpdate  # here: marquee.api imports this package

    check_csrf(request, csrf_token)
    raw = {
        "name": name.strip(),
        "description": description.strip(),
        "year": year.strip() or None,
        "runtime_minutes": runtime_minutes.strip() or None,
        "maturity_rating": maturity_rating.strip() or "NR",
        "genres": [g.strip() for g in genres.split(",") if g.strip()],
    }
    try:
        changes = TitleUpdate.model_validate(raw).changes()
        title = container.catalog.update_title(title_id=title_id, **changes)
    except (ValidationError, ApiError) as exc:
        title = container.catalog.get_title(title_id=title_id)
        context = _edit_context(container, title, errors=_errors(exc))
        context["form"] = {**context["form"], **{k: request_value(raw, k) for k in _EDITABLE}}
        return renderer.page(request, "studio_title.html", context, status_code=422)
    container.cards.forget([title.id])
    return redirect(request, f"/studio/titles/{title.id}?saved=1")


def request_value(raw: dict[str, Any], key: str) -> Any:
    value = raw.get(key)
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else value


@router.get("/studio/titles/{title_id}/media")
def media_status(
    request: Request,
    title_id: TitleId,
    viewer: ProducerDep,
    container: ContainerDep,
    renderer: RendererDep,
) -> Response:
    """The transcoding status fragment the edit page polls while something is in progress."""
    context = {"title_id": title_id, "assets": container.media.list_for_title(title_id=title_id)}
    return renderer.page(request, "_media_status.html", context)


@router.post("/studio/titles/{title_id}/artwork")
async def upload_artwork(
    *,
    request: Request,
    title_id: TitleId,
    viewer: ProducerDep,
    container: ContainerDep,
    renderer: RendererDep,
    artwork: Annotated[UploadFile | None, File()] = None,
    csrf_token: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    title = container.catalog.get_title(title_id=title_id)
    data = await artwork.read(ARTWORK_MAX_BYTES + 1) if artwork is not None else b""
    problem = _artwork_problem(data)
    if problem is not None:
        context = _edit_context(container, title, errors={"artwork": problem})
        return renderer.page(request, "studio_title.html", context, status_code=422)
    key = f"artwork/{title.id}/{hashlib.sha256(data).hexdigest()[:16]}"
    container.blobs.put_bytes(key, data)
    container.catalog.update_title(title_id=title.id, artwork_key=key)
    container.cards.forget([title.id])
    return redirect(request, f"/studio/titles/{title.id}?artwork=1")


def _artwork_problem(data: bytes) -> str | None:
    if not data:
        return "Choose an image file to upload."
    if len(data) > ARTWORK_MAX_BYTES:
        return f"The image is larger than {ARTWORK_MAX_BYTES // (1024 * 1024)} MB."
    if not any(data.startswith(magic) for magic in ARTWORK_TYPES):
        return "That file is not a PNG, JPEG or WebP image."
    if data.startswith(b"RIFF") and data[8:12] != b"WEBP":
        return "That file is not a PNG, JPEG or WebP image."
    return None


def artwork_type(data: bytes) -> str:
    return next((t for magic, t in ARTWORK_TYPES.items() if data.startswith(magic)), "")


def _errors(exc: Exception) -> dict[str, str]:
    """Field → reason, from the API's own validation or the service's problems."""
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "form"
            found.setdefault(name, _reason(e))
        return found
    if isinstance(exc, InvalidInput) and exc.problems:
        return {p.field.removeprefix("body.").split(".")[0]: p.reason for p in exc.problems}
    return {"form": exc.detail if isinstance(exc, ApiError) else str(exc)}


def _reason(error: Any) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("string_too_long", "too_long"):
        return f"At most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return "This cannot be empty."
    if kind in ("int_parsing", "int_type"):
        return "Enter a whole number."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"Out of range ({str(error.get('msg', '')).lower()})."
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
