"""The card network's callback: ``POST <CLEARING_CALLBACK_PATH>`` (default /network/v1/notifications).

Thin on purpose: the clearing domain checks the signature, the nonce and the shape, books
the result and signs its answer; this only hands it the request and returns what it says.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clearing.service import ClearingConfig
from infra.settings import Settings


async def network_notification(request: Request) -> Response:
    query = request.scope.get("query_string", b"")
    path = request.scope.get("raw_path", request.url.path.encode()).decode() + (f"?{query.decode()}" if query else "")
    answer = await request.app.state.runtime.clearing.receive_notification(
        headers=request.headers, path=path, body=await request.body(),
    )
    return Response(answer.body, status_code=answer.status, headers=answer.headers, media_type="application/json")


def clearing_routes(settings: Settings) -> list[Route]:
    path = ClearingConfig.from_settings(settings).callback_path
    return [Route(path, network_notification, methods=["POST"])]
