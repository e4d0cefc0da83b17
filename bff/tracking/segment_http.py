"""The Segment HTTP API's shape (``/v1/batch`` and the single calls) for Segment's and
RudderStack's SDKs, authenticated by an app's write key (tracking/segment.py).

A refused event is answered 400 with its reason (``code`` and ``message``, which both SDKs
raise as an API error to their ``on_error``), never 200 and dropped; the batch's valid
events are kept all the same, and an SDK resending them finds them deduplicated by messageId.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infra.i18n import Text
from tracking.errors import BatchRejected, RetryLater
from tracking.segment import SINGLE_TYPES


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _endpoint(single: str | None):
    async def endpoint(request: Request) -> Response:
        runtime = request.app.state.runtime
        platform = runtime.openplatform
        try:
            outcome = await runtime.tracking.accept_segment_batch(
                body=await request.body(), content_encoding=request.headers.get("content-encoding", ""),
                authorization=request.headers.get("authorization", ""), single=single,
                users_of_openids=lambda app_id, openids: platform.users_of_openids(app_id=app_id, openids=openids),
            )
        except BatchRejected as exc:
            return _json({"code": exc.code, "message": str(exc)}, exc.status)
        except RetryLater as exc:
            return _json({"code": "RETRY_LATER", "message": str(exc)}, 503,
                         {"retry-after": str(exc.retry_after_seconds)})
        body = {"success": not outcome.rejections, **outcome.as_json()}
        if outcome.rejections:
            first = outcome.rejections[0]
            message = Text("tracking.segment_rejected", rejected=len(outcome.rejections), accepted=outcome.accepted,
                           first=f"{first.code} {first.field or ''} {first.reason}".strip())
            return _json({**body, "code": "EVENTS_REJECTED", "message": str(message)}, 400)
        return _json(body)

    return endpoint


def segment_routes() -> list[Route]:
    return [Route("/v1/batch", _endpoint(None), methods=["POST"]),
            *(Route(f"/v1/{kind}", _endpoint(kind), methods=["POST"]) for kind in SINGLE_TYPES)]
