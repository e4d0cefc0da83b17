"""``POST /track/batch``: plain JSON (or gzip) for speed, not GraphQL."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracking.errors import BatchRejected, RetryLater


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


async def track_batch(request: Request) -> Response:
    """Accept a batch: valid events are kept, each rejected one is listed with its reason.

    ``Authorization: Bearer`` (checked by ``bff.auth`` as for GraphQL) vouches for the events
    of that user only; without a valid token every event is anonymous.
    """
    tracking = request.app.state.runtime.tracking
    principal = request.scope.get("principal")
    try:
        outcome = await tracking.accept_batch(
            body=await request.body(),
            content_encoding=request.headers.get("content-encoding", ""),
            client_ip=request.client.host if request.client else None,
            signed_in_user=principal.user_id if principal is not None else None,
        )
    except BatchRejected as exc:
        return _json({"code": exc.code, "message": str(exc)}, exc.status)
    except RetryLater as exc:
        return _json(
            {"code": "RETRY_LATER", "message": str(exc), "retryAfterSeconds": exc.retry_after_seconds},
            503, {"retry-after": str(exc.retry_after_seconds)},
        )
    return _json(outcome.as_json())
