"""``GET /i18n/{namespace}``: a client's own messages, in the caller's language, from the one catalogue.

The container page (static/container.js) takes its sheets' and statuses' text from here, so
what it shows comes from infra/messages/ like every other message. Only namespaces written
for clients are served.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infra.i18n import current_locale, namespace_messages, t

CLIENT_NAMESPACES = frozenset({"container", "h5", "console"})  # h5, console: web/


async def client_messages(request: Request) -> JSONResponse:
    namespace = request.path_params["namespace"]
    if namespace not in CLIENT_NAMESPACES:
        return JSONResponse({"error": {"code": "NOT_FOUND", "message": t("bff.no_such_namespace")}}, 404)
    locale = current_locale.get()
    return JSONResponse(
        {"locale": locale, "messages": namespace_messages(namespace, locale)},
        headers={"cache-control": "public, max-age=300"},  # varies by Accept-Language (bff.middleware)
    )


def i18n_routes() -> list[Route]:
    return [Route("/i18n/{namespace}", client_messages)]
