"""The /graphql endpoint: HTTP, multipart uploads and graphql-transport-ws on one path."""

from __future__ import annotations

import json

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from bff import ide, request_json
from bff.context import Context
from bff.lean import LeanOperations, encode
from bff.media import GRAPHQL_RESPONSE, JSON, is_request_error, negotiate
from bff.persisted_queries import PersistedQueries, PersistedQueryError, load_registered, persisted_hash_of
from bff.web import REGISTERED_OPERATIONS
from bff.subscriptions import SessionBoundSocket
from bff.unavailable import redis_error_of
from infra.i18n import t


def error_response(code: str, message: str, status: int = 200, **extensions) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}, status)


class _TooDeep(Exception):
    """A request whose JSON nests past GRAPHQL_MAX_JSON_DEPTH (raised out of body parsing)."""


class GraphQLEndpoint(GraphQL):
    graphql_transport_ws_handler_class = SessionBoundSocket

    def __init__(self, schema, *, debug: bool, max_json_depth: int) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=20,
        )
        self._persisted: PersistedQueries | None = None
        self.max_json_depth = max_json_depth
        self._lean = LeanOperations(schema, max_json_depth=max_json_depth)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if scope["method"] == "POST" and await self._lean.answer(request, scope, send):
            return
        media = request.state.graphql_media = negotiate(request.headers.get("accept"))
        try:
            response = await self.run(request)
        except _TooDeep:
            response = error_response(
                "INVALID_INPUT", t("bff.json_too_deep", max=self.max_json_depth), 400,
                limit=self.max_json_depth, setting=request_json.LIMIT_SETTING,
            )
        except PersistedQueryError as exc:
            # 200 whatever the media type: Apollo clients read the code and retry with the query text
            response = error_response(exc.code, str(exc))
        except HTTPException as exc:
            response = error_response("BAD_REQUEST" if exc.status_code != 404 else "NOT_FOUND", exc.reason, exc.status_code)
        unavailable = redis_error_of(scope)
        if unavailable is not None:
            raise unavailable  # a resolver lost Redis: bff.unavailable answers 503 for the whole request
        compiled = getattr(request.state, "compiled_operation", None)
        if compiled is not None and scope["method"] == "POST":  # answered by bff.lean from now on
            self._lean.remember(request.state.persisted_query, request.state.operation_name, compiled)
        if media == GRAPHQL_RESPONSE and response.media_type == JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if getattr(request.state, "request_error", False):
                response.status_code = 400
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request) -> bool:
        """Only a browser page load: a GET that asks for HTML and carries no operation.

        Strawberry also takes ``Accept: */*`` for the IDE, which is what Apollo Client sends
        with a persisted query's hash-only GET.
        """
        params = request.query_params
        return (
            request.method == "GET"
            and params.get("query") is None
            and params.get("extensions") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return ide.page()

    async def process_result(self, request: Request, result):
        data = await super().process_result(request, result)
        if request.state.graphql_media == GRAPHQL_RESPONSE and is_request_error(result):
            data.pop("data", None)  # the spec: a request error has no data entry, and is a 4xx
            request.state.request_error = True
        return data

    def _runtime(self, request: Request | WebSocket):
        return request.app.state.runtime

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        principal = request.scope.get("principal")
        return Context(request=request, response=response, runtime=self._runtime(request), principal=principal)

    def encode_json(self, data: object) -> str:
        # bff.lean's encoder, as text: Strawberry sends bytes over a websocket as binary frames,
        # which graphql-transport-ws clients do not read
        return encode(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return request_json.loads(data, max_depth=self.max_json_depth)

    def parse_json(self, data: str | bytes):
        try:
            return self.decode_json(data)
        except request_json.JsonTooDeep:
            raise
        except json.JSONDecodeError as exc:
            raise HTTPException(400, "Unable to parse request body as JSON") from exc

    async def parse_http_body(self, request):
        try:
            data = await super().parse_http_body(request)
        except request_json.JsonTooDeep:
            raise _TooDeep() from None
        if isinstance(data, list):
            raise HTTPException(400, "Batched operations are not accepted.")
        runtime = self._runtime(request._request)
        if self._persisted is None:
            self._persisted = PersistedQueries(runtime.redis, known=load_registered(REGISTERED_OPERATIONS))
        data.query = await self._persisted.resolve(data.query, data.extensions)
        digest = persisted_hash_of(data.extensions)
        if digest is not None:  # the operation may run its compiled plan (bff.execution)
            request._request.state.persisted_query = digest
            request._request.state.operation_name = data.operation_name
        return data

    async def on_ws_connect(self, context: Context):
        """Subscriptions authenticate with ``{"authorization": "Bearer <token>"}`` in connection_init."""
        params = context.connection_params or {}
        header = params.get("authorization") if isinstance(params, dict) else None
        if header is not None:
            token = header.removeprefix("Bearer ").strip() if isinstance(header, str) else ""
            principal = await context.runtime.identity.authenticate(token)
            if principal is None:
                raise ConnectionRejectionError()
            context.principal = principal
        return await super().on_ws_connect(context)
