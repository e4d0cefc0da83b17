"""Redis out of reach is a typed 503 with Retry-After on every route, never a raw 500.

A request that cannot get a Redis connection in time (``REDIS_POOL_TIMEOUT_SECONDS``), or
finds the server down or restarting, is told to come back: each route family in its own
error shape, so clients read it like their other errors. ``bff.middleware.RequestPipeline``
answers a Redis-unavailable error escaping the app before the answer started; GraphQL
resolvers' failures are caught by GraphQL, and ``mark_unavailable`` lets the endpoint turn
them into the same answer.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import Scope, Send


log = logging.getLogger("bff.unavailable")
CODE = "SERVICE_UNAVAILABLE"
MESSAGE = "The service is briefly unavailable; retry in {seconds} s."
_SCOPE_KEY = "superapp.redis_unavailable"


def unavailable_body(path: str, seconds: int) -> bytes:
    message = MESSAGE.format(seconds=seconds)
    if path.startswith("/graphql"):
        body: dict = {"errors": [{"message": message, "extensions": {"code": CODE, "retryAfterSeconds": seconds}}]}
    elif path.startswith("/track/"):  # tracking/PROTOCOL.md: SDKs already retry RETRY_LATER
        body = {"code": "RETRY_LATER", "message": message, "retryAfterSeconds": seconds}
    else:  # the bridge, the open API and the mini-program host: {"error": {...}}
        body = {"error": {"code": CODE, "message": message, "retryAfterSeconds": seconds}}
    return orjson.dumps(body)


async def send_unavailable(scope: Scope, send: Send, seconds: int) -> None:
    body = unavailable_body(scope["path"], seconds)
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()), (b"cache-control", b"no-store"),
    ]})
    await send({"type": "http.response.body", "body": body})


def mark_unavailable(scope: Scope, error: BaseException) -> None:
    """Record that Redis failed this request somewhere GraphQL caught the error."""
    scope[_SCOPE_KEY] = error


def redis_error_of(scope: Scope) -> BaseException | None:
    return scope.get(_SCOPE_KEY)
