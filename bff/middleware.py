"""One pure-ASGI layer before every route: request id, language, caller, body cap, access log and HTTP metrics."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from tortoise.context import _current_context as _current_tortoise_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bff.auth import anonymous, authenticate
from bff.observability import HTTP_LATENCY, HTTP_REQUESTS
from bff.unavailable import log as unavailable_log, send_unavailable
from infra.i18n import current_locale, negotiate, t
from infra.kv import REDIS_UNAVAILABLE
from infra.logs import request_id

log = logging.getLogger("bff.access")
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9\-_.]{8,64}")
_ROUTE_PREFIXES = ("/graphql", "/healthz", "/readyz", "/metrics", "/static")


class BodyTooLarge(Exception):
    pass


class BodyTimedOut(Exception):
    pass


class BodyTimeout(NamedTuple):
    """A body must arrive within ``seconds`` of its headers, plus a second per ``min_rate`` bytes received.

    A client dribbling a byte at a time is cut off after ``seconds``; a slow but steady
    upload keeps going as long as it averages ``min_rate`` bytes a second.
    """

    seconds: float
    min_rate: int

    def remaining(self, started: float, received: int) -> float:
        return started + self.seconds + received / self.min_rate - time.monotonic()


def _route_label(path: str, status: int) -> str:
    if status == 404:
        return "unmatched"
    for prefix in _ROUTE_PREFIXES:
        if path.startswith(prefix):
            return prefix
    return "/" + path.strip("/").split("/", 1)[0]


class BodyCap(NamedTuple):
    """A larger body cap for uploads to the paths under ``prefix``, and the setting behind it.

    With ``multipart_only`` the cap applies to multipart/form-data requests alone (GraphQL
    file uploads); other requests to the same path keep the general cap.
    """

    prefix: str
    limit: int
    setting: str
    multipart_only: bool = False


class RequestPipeline:
    """Everything a request passes through before its route, as one pure-ASGI layer.

    In order: the request id and the reader's language (context variables for logs and
    messages), the app's Tortoise context, the caller from ``Authorization: Bearer``, the
    body cap and deadline; on the way out the request id and language headers, the access
    log and the HTTP metrics, and a typed 503 when Redis was out of reach before the answer
    started. One layer instead of four stacked ones: each layer cost a coroutine, a wrapped
    ``send`` and a scope walk per request (bench/middleware_cost.py measures the stack).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        body_timeout: BodyTimeout,
        body_caps: Sequence[BodyCap] = (),
        retry_after_seconds: int,
    ) -> None:
        self.app = app
        self.default_cap = BodyCap("/", max_body_bytes, "MAX_BODY_BYTES")
        self.body_caps = tuple(body_caps)
        self.body_timeout = body_timeout
        self.retry_after_seconds = retry_after_seconds
        # the Prometheus children of each (route, method, status): labels() locks and validates
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _cap_for(self, path: str, headers: dict[bytes, bytes]) -> BodyCap:
        for cap in self.body_caps:
            if path.startswith(cap.prefix) and (
                not cap.multipart_only or headers.get(b"content-type", b"").startswith(b"multipart/form-data")
            ):
                return cap
        return self.default_cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        raw_headers = scope.get("headers") or ()
        headers = dict(raw_headers)
        supplied = headers.get(b"x-request-id")
        rid = supplied.decode("latin-1") if supplied is not None else ""
        if not _CLIENT_REQUEST_ID.fullmatch(rid):
            rid = os.urandom(16).hex()
        rid_token = request_id.set(rid)
        # Every message rendered while this request runs speaks the caller's language.
        locale_token = current_locale.set(_locale_for(headers.get(b"accept-language", b"")))
        # Set the contextvar directly: TortoiseContext's own `with` keeps one token on the
        # shared context object, which concurrent requests would overwrite.
        database_token = _current_tortoise_context.set(scope["app"].state.runtime.database)
        try:
            if kind == "websocket":
                # sockets sign in with connection_init only (bff/subscriptions.py)
                anonymous(scope)
                await self.app(scope, receive, send)
                return
            await self._http(scope, receive, send, raw_headers, headers, rid)
        finally:
            _current_tortoise_context.reset(database_token)
            current_locale.reset(locale_token)
            request_id.reset(rid_token)

    async def _http(self, scope, receive, send, raw_headers, headers, rid) -> None:
        started = time.perf_counter()
        status = 500
        cap = self._cap_for(scope["path"], headers)
        limit = cap.limit
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, rid, cap)
            self._record(scope, 413, started)
            return
        received = 0
        body_complete = False
        response_started = False
        arrived = time.monotonic()
        body_timeout = self.body_timeout
        rid_header = (b"x-request-id", rid.encode())

        async def capped_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:  # from here on the app only waits for a disconnect
                return await receive()
            try:
                async with asyncio.timeout(body_timeout.remaining(arrived, received)):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_complete = not message.get("more_body", False)
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = _with_language([*message.get("headers", ()), rid_header])
            await send(message)

        try:
            await authenticate(scope, raw_headers, headers)
            await self.app(scope, capped_receive, send_with_id)
        except BodyTooLarge:
            status = 413
            await _too_large(send, rid, cap)
        except BodyTimedOut:
            if response_started:
                raise
            status = 408
            await _timed_out(send, rid, body_timeout)
        except REDIS_UNAVAILABLE as exc:
            if response_started:
                raise
            unavailable_log.warning("Redis unavailable for %s: %s", scope["path"], exc)
            await send_unavailable(scope, send_with_id, self.retry_after_seconds)
        finally:
            self._record(scope, status, started)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        path = scope["path"]
        method = scope["method"]
        route = _route_label(path, status)
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                HTTP_REQUESTS.labels(route, method, str(status)), HTTP_LATENCY.labels(route, method),
            )
        series[0].inc()
        series[1].observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            # log.info() without its walk up the stack for the caller, which is always this line
            fields = {"method": method, "path": path, "status": status, "ms": round(elapsed * 1000, 2)}
            log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, "request", (), None, "_record", {"fields": fields}))


@functools.lru_cache(maxsize=256)
def _locale_for(accept_language: bytes) -> str:
    """Clients send a handful of distinct Accept-Language headers: each is negotiated once."""
    return negotiate(accept_language.decode("latin-1"))


def _with_language(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A JSON answer (where messages are) says its language and that it varies by Accept-Language."""
    json_answer = False
    vary: list[bytes] = []
    for name, value in headers:
        name = name.lower()
        if name == b"content-type":
            json_answer = json_answer or b"json" in value
        elif name == b"vary":
            vary.append(value)
    if not json_answer:
        return headers
    if vary:
        headers = [(name, value) for name, value in headers if name.lower() != b"vary"]
    vary.append(b"Accept-Language")
    return [*headers, (b"vary", b", ".join(vary)), (b"content-language", current_locale.get().encode())]


async def _too_large(send: Send, rid: str, cap: BodyCap) -> None:
    extensions = {"code": "PAYLOAD_TOO_LARGE", "limit": cap.limit, "setting": cap.setting}
    await _refuse(send, rid, 413, t("bff.payload_too_large", limit=cap.limit), extensions)


async def _timed_out(send: Send, rid: str, timeout: BodyTimeout) -> None:
    """408, and the connection is closed: what is left of the body would be read as a request."""
    extensions = {"code": "REQUEST_TIMEOUT", "setting": "REQUEST_BODY_TIMEOUT_SECONDS", "limit": timeout.seconds}
    await _refuse(send, rid, 408, t("bff.request_timeout", seconds=timeout.seconds), extensions, close=True)


async def _refuse(send: Send, rid: str, status: int, message: str, extensions: dict, *, close: bool = False) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": extensions}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", rid.encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": _with_language(headers)})
    await send({"type": "http.response.body", "body": body})
