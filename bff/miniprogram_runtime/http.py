"""``POST /bridge/v1/{appId}/{api}``: the JSAPI bridge over plain JSON, not GraphQL, for speed.

The container relays each call of the mini-program with the user's access token. Body:
``{"args": {...}, "platform": "h5", "clientVersion": "5.2.0", "pin": "123456", "confirmed": true,
"preview": "1.1.0-dev.1"}`` (``pin`` for step-up APIs and ``confirmed`` for APIs the user must agree
to, both from the container's own sheets, never from the mini-program; ``preview`` when a developer
runs one version of their own app in preview, as ``/mp/resolve?preview=`` answered).
Answers ``{"result": {...}}`` or ``{"error": {"code", "message", ...}}``.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bff.miniprogram_runtime.bank_operations import current_request
from infra.i18n import Text, t
from miniprogram_host.semver import is_semver
from miniprogram_runtime.errors import BridgeRefusal, InvalidArguments

_PLATFORMS = ("ios", "android", "h5")


def _json(body: dict, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers={"cache-control": "no-store"})


def _refused(refusal: BridgeRefusal) -> Response:
    response = _json({"error": refusal.as_json()}, refusal.status)
    if "retryAfterSeconds" in refusal.detail:
        response.headers["retry-after"] = str(refusal.detail["retryAfterSeconds"])
    return response


async def _body(request: Request) -> dict:
    try:
        body = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise InvalidArguments(Text("miniprogram_runtime.body_not_object")) from None
    if not isinstance(body, dict) or not isinstance(body.get("args", {}), dict):
        raise InvalidArguments(Text("miniprogram_runtime.args_not_object"), field="args")
    return body


async def bridge_call(request: Request) -> Response:
    principal = request.scope.get("principal")
    if principal is None:
        return _json({"error": {"code": "UNAUTHENTICATED", "message": t("miniprogram_runtime.unauthenticated")}}, 401)
    bridge = request.app.state.runtime.miniprogram_runtime.bridge
    try:
        body = await _body(request)
        platform, client_version = body.get("platform", "h5"), body.get("clientVersion")
        if platform not in _PLATFORMS:
            raise InvalidArguments(Text("miniprogram_host.platform_invalid"), field="platform")
        if not isinstance(client_version, str) or not is_semver(client_version):
            raise InvalidArguments(Text("miniprogram_host.client_version_invalid"), field="clientVersion")
        pin = body.get("pin")
        preview = body.get("preview")
        if preview is not None and not (isinstance(preview, str) and is_semver(preview)):
            raise InvalidArguments(Text("miniprogram_host.version_semver"), field="preview")
        current_request.set(request)  # for bankGraphql's operation (this task's context only)
        result = await bridge.call(
            app_id=request.path_params["app_id"], api=request.path_params["api"], user_id=principal.user_id,
            session_id=principal.session_id, args=body.get("args", {}), platform=platform,
            client_version=client_version, pin=pin if isinstance(pin, str) else None,
            confirmed=body.get("confirmed") is True, preview_version=preview,
        )
    except BridgeRefusal as refusal:
        return _refused(refusal)
    return _json({"result": result})


def bridge_routes() -> list[Route]:
    return [Route("/bridge/v1/{app_id}/{api}", bridge_call, methods=["POST"])]
