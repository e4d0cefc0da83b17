"""Persisted queries that have run compiled once answer without Strawberry's request pipeline.

Every screen of the bank's own clients sends its operation by hash alone (``web/persisted.mjs``
registers them at build time). The first such request goes the whole way: persisted-query
resolution, parsing, the document limits, validation, the NUL check, then the compiled plan
(``bff.compiled``), which ``bff.execution`` hands back on the request's state. From then on
the same hash and operation name is answered here: the body is read once, the variables are
coerced against the operation, the plan runs, and errors are logged, masked and counted as
the schema's extensions would (``Schema.process_errors``, ``Schema.masked``,
``bff.observability.record_operation``). Each of those steps depends on the document alone,
which the hash fixes, so they are not repeated per request.

Whatever this path does not take word for word returns False before anything runs, and the
regular endpoint answers it, with its own typed errors: a body that is not JSON or nests too
deep, query text beside the hash, variables that do not coerce or hold NUL, streaming Accept
headers, a hash or name not answered compiled yet.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from inspect import isawaitable
from types import SimpleNamespace
from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Scope, Send

from bff.compiled import CompiledOperation
from bff.context import Context
from bff.media import GRAPHQL_RESPONSE, is_request_error, negotiate
from bff.nul_text import holds_nul
from bff.observability import record_operation
from bff.request_json import nesting
from bff.unavailable import redis_error_of

_STREAMING = (b"multipart/mixed", b"text/event-stream")  # Strawberry's streaming transports
_GRAPHQL_RESPONSE_TYPE = f"{GRAPHQL_RESPONSE}; charset=utf-8".encode()


def encode(payload: Any) -> bytes:
    """JSON of an answer: orjson, or the standard library for what orjson refuses (ints past 64 bits)."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class LeanOperations:
    def __init__(self, schema: Any, *, max_json_depth: int, size: int = 4096) -> None:
        self._schema = schema
        self._max_json_depth = max_json_depth
        self._size = size
        self._known: OrderedDict[tuple[str, str | None], CompiledOperation] = OrderedDict()
        self.answered = 0  # requests this path answered (the benchmark and the tests read it)

    def remember(self, digest: str, operation_name: str | None, compiled: CompiledOperation) -> None:
        """A request by ``digest`` naming ``operation_name`` ran ``compiled`` through the regular path."""
        key = (digest, operation_name)
        if key in self._known:
            return
        self._known[key] = compiled
        while len(self._known) > self._size:
            self._known.popitem(last=False)

    async def answer(self, request: Request, scope: Scope, send: Send) -> bool:
        """Answer a POST by hash of a remembered operation; False, with nothing run, for the regular path."""
        if not self._known:
            return False
        content_type = accept = b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"accept":
                accept = value
        if content_type.split(b";", 1)[0].strip().lower() != b"application/json":
            return False
        if any(kind in accept for kind in _STREAMING):
            return False
        body = await request.body()  # kept by the request: the regular path reads the same bytes
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        if type(data) is not dict or data.get("query") is not None:
            return False
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if type(extensions) is dict else None
        if type(persisted) is not dict or persisted.get("version") != 1:
            return False
        digest, operation_name = persisted.get("sha256Hash"), data.get("operationName")
        if type(digest) is not str or (operation_name is not None and type(operation_name) is not str):
            return False
        compiled = self._known.get((digest.lower(), operation_name))
        variables = data.get("variables")
        if compiled is None or (variables is not None and type(variables) is not dict):
            return False
        if nesting(data, self._max_json_depth) > self._max_json_depth or (variables and holds_nul(variables)):
            return False
        started = time.perf_counter()
        context = Context(request=request, response=None, runtime=scope["app"].state.runtime,
                          principal=scope.get("principal"))
        result = compiled.run(context, variables, extensions)
        if type(result) is list:  # the variables do not coerce: nothing ran
            return False
        if isawaitable(result):
            result = await result
        errors = result.errors
        if errors:
            self._schema.process_errors(errors, SimpleNamespace(context=context))
            errors = self._schema.masked(errors)
        record_operation(compiled.name, compiled.operation.operation.value, "error" if errors else "ok", time.perf_counter() - started)
        unavailable = redis_error_of(scope)
        if unavailable is not None:
            raise unavailable  # as in the regular path: bff.unavailable answers 503
        payload: dict[str, Any] = {"data": result.data}
        status, media_type = 200, b"application/json"
        if errors:
            payload["errors"] = [error.formatted for error in errors]
        if negotiate(accept.decode("latin-1")) == GRAPHQL_RESPONSE:
            media_type = _GRAPHQL_RESPONSE_TYPE
            if is_request_error(result):
                del payload["data"]  # a request error: no data entry, and a 4xx (bff.media)
                status = 400
        encoded = encode(payload)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-length", str(len(encoded)).encode()), (b"content-type", media_type),
        ]})
        await send({"type": "http.response.body", "body": encoded})
        self.answered += 1
        return True
