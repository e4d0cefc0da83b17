"""``GET /content/images/{id}/{density}x.{webp|jpeg}``: a cover rendition, cacheable for a year
(an image id's bytes never change); ``GET /content/feed.json?first=&after=``: the feed page as
plain JSON for clients (and the benchmark) that want it without GraphQL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from content import service as content
from identity.roles import Role
from infra.i18n import t

_MEDIA = {"webp": "image/webp", "jpeg": "image/jpeg"}


def _refusal(code: str, message: str, status: int, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field}}, status_code=status,
                        headers={"cache-control": "no-store"})


async def rendition(request: Request) -> Response:
    raw_id, density, fmt = (request.path_params[k] for k in ("image_id", "density", "format"))
    if not raw_id.isdigit() or len(raw_id) > 18 or density not in ("1", "2", "3") or fmt not in _MEDIA:
        return _refusal("NOT_FOUND", t("content.image_not_found"), 404)
    data = await request.app.state.runtime.content.rendition_bytes(image_id=int(raw_id), density=int(density),
                                                                   format=fmt)
    if data is None:
        return _refusal("NOT_FOUND", t("content.image_not_found"), 404)
    return Response(data, media_type=_MEDIA[fmt], headers={"cache-control": "public, max-age=31536000, immutable"})


async def feed_json(request: Request) -> Response:
    principal = request.scope.get("principal")
    if principal is None:
        return _refusal("UNAUTHENTICATED", t("bff.sign_in"), 401)
    if not principal.has_any({Role.CUSTOMER}):
        return _refusal("FORBIDDEN", t("bff.needs_role", roles=t("bff.role_customer")), 403)
    first = request.query_params.get("first", "20")
    if not first.isdigit() or len(first) > 3:
        return _refusal("INVALID_INPUT", t("content.page_size", most=content.MAX_PAGE), 400, "first")
    try:
        page = await request.app.state.runtime.content.feed_page(
            user_id=principal.user_id, first=int(first), after=request.query_params.get("after"))
    except content.ContentError as exc:
        return _refusal(exc.code.value, str(exc), 400, exc.field)
    return JSONResponse({
        "items": [{"id": str(i.id), "kind": i.kind.value, "title": i.title, "summary": i.summary,
                   "topics": i.topics, "authorId": str(i.author_id)} for i in page.items],
        "endCursor": page.end_cursor, "hasNextPage": page.has_next_page,
    }, headers={"cache-control": "no-store"})


def content_routes() -> list[Route]:
    return [
        Route("/content/images/{image_id}/{density}x.{format}", rendition, methods=["GET"]),
        Route("/content/feed.json", feed_json, methods=["GET"]),
    ]
