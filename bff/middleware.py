"""Pure ASGI middleware: request id, the reader's language, body size cap, access log and HTTP metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import NamedTuple

from tortoise.context import _current_context as _current_tortoise_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bff.observability import HTTP_LATENCY, HTTP_REQUESTS
from infra.i18n import current_locale, negotiate, t
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


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_timeout: BodyTimeout, body_caps: Sequence[BodyCap] = ()
    ) -> None:
        self.app = app
        self.default_cap = BodyCap("/", max_body_bytes, "MAX_BODY_BYTES")
        self.body_caps = tuple(body_caps)
        self.body_timeout = body_timeout

    def _cap_for(self, path: str, headers: dict[bytes, bytes]) -> BodyCap:
        for cap in self.body_caps:
            if path.startswith(cap.prefix) and (
                not cap.multipart_only or headers.get(b"content-type", b"").startswith(b"multipart/form-data")
            ):
                return cap
        return self.default_cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        supplied = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = supplied if _CLIENT_REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        token = request_id.set(rid)
        # Every message rendered while this request runs speaks the caller's language.
        locale = current_locale.set(negotiate(headers.get(b"accept-language", b"").decode("latin-1")))
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            await self._http(scope, receive, send, headers, rid)
        finally:
            current_locale.reset(locale)
            request_id.reset(token)

    async def _http(self, scope, receive, send, headers, rid) -> None:
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

        async def capped_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:  # from here on the app only waits for a disconnect
                return await receive()
            try:
                async with asyncio.timeout(self.body_timeout.remaining(arrived, received)):
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
                message["headers"] = _with_language([*message.get("headers", ()), (b"x-request-id", rid.encode())])
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_id)
        except BodyTooLarge:
            status = 413
            await _too_large(send, rid, cap)
        except BodyTimedOut:
            if response_started:
                raise
            status = 408
            await _timed_out(send, rid, self.body_timeout)
        finally:
            self._record(scope, status, started)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_label(scope["path"], status)
        HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
        HTTP_LATENCY.labels(route, scope["method"]).observe(elapsed)
        log.info(
            "request",
            extra={"fields": {"method": scope["method"], "path": scope["path"], "status": status,
                              "ms": round(elapsed * 1000, 2)}},
        )


def _with_language(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A JSON answer (where messages are) says its language and that it varies by Accept-Language."""
    if not any(name.lower() == b"content-type" and b"json" in value for name, value in headers):
        return headers
    vary = [value for name, value in headers if name.lower() == b"vary"]
    headers = [(name, value) for name, value in headers if name.lower() != b"vary"]
    varies = b", ".join([*vary, b"Accept-Language"])
    return [*headers, (b"vary", varies), (b"content-language", current_locale.get().encode())]


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


class DatabaseContext:
    """Runs each request inside this app's Tortoise context (one app, one set of connections)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # Set the contextvar directly: TortoiseContext's own `with` keeps one token on the
        # shared context object, which concurrent requests would overwrite.
        token = _current_tortoise_context.set(scope["app"].state.runtime.database)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_tortoise_context.reset(token)
