"""Search as you type: the page, and the results fragment htmx swaps in (debounced)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from marquee.web.deps import ContainerDep, ProfileDep, RendererDep
from marquee.web.personal import genre_name

router = APIRouter()
RESULTS = 30
_FILTERS = ("genre", "kind", "year_from", "year_to")


@router.get("/search")
def search_page(
    request: Request, profile: ProfileDep, container: ContainerDep, renderer: RendererDep
) -> Response:
    params = {k: v for k, v in request.query_params.items() if v.strip()}
    q = params.get("q", "")
    context: dict[str, Any] = {
        "profile": profile,
        "q": q,
        "params": params,
        "genres": [(g.slug, g.name) for g in container.catalog.list_genres() if g.title_count],
        "page": None,
        "errors": {},
        "session_id": request.query_params.get("session_id") or secrets.token_hex(8),
    }
    if q:
        _run(container, profile.account_id, profile.id, params, context)
    fragment = request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )
    template = "_search_results.html" if fragment else "search.html"
    return renderer.page(request, template, context, status_code=422 if context["errors"] else 200)


def _run(
    container: ContainerDep,
    account_id: int,
    profile_id: int,
    params: dict[str, str],
    context: dict[str, Any],
) -> None:
    """Validate with the API's own query model, so the page and /v1/search agree on limits."""
    from marquee.api.schemas.search import SearchQuery  # here: marquee.api imports this package

    fields = {k: params[k] for k in ("q", *_FILTERS) if k in params}
    try:
        query = SearchQuery.model_validate(
            {
                **fields,
                "profile_id": profile_id,
                "limit": RESULTS,
                "session_id": context["session_id"],
            }
        )
    except ValidationError as exc:
        context["errors"] = {str(e["loc"][0]): _reason(e) for e in exc.errors()}
        return
    search = container.search
    viewer = search.viewer(account_id=account_id, profile_id=profile_id)
    context["page"] = search.search(
        q=query.q,
        filters=query.filters(),
        viewer=viewer,
        limit=RESULTS,
        session_id=query.session_id,
    )
    context["genre_label"] = genre_name(query.genre) if query.genre else None


def _reason(error: Any) -> str:
    kind = error.get("type", "")
    if kind in ("string_too_long", "too_long"):
        return f"Keep it under {error.get('ctx', {}).get('max_length', 200)} characters."
    if kind == "string_too_short":
        return "Type something to search for."
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
