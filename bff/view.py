"""The /graphql endpoint: HTTP, multipart uploads and graphql-transport-ws on one path."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from bff.context import Context
from bff.persisted_queries import PersistedQueries, PersistedQueryError
from bff.unavailable import redis_error_of


def error_response(code: str, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class GraphQLEndpoint(GraphQL):
    def __init__(self, schema, *, debug: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=20,
        )
        self._persisted: PersistedQueries | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except PersistedQueryError as exc:
            response = error_response(exc.code, str(exc))
        except HTTPException as exc:
            response = error_response("BAD_REQUEST" if exc.status_code != 404 else "NOT_FOUND", exc.reason, exc.status_code)
        unavailable = redis_error_of(scope)
        if unavailable is not None:
            raise unavailable  # a resolver lost Redis: bff.unavailable answers 503 for the whole request
        await response(scope, receive, send)

    def _runtime(self, request: Request | WebSocket):
        return request.app.state.runtime

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        principal = request.scope.get("principal")
        return Context(request=request, response=response, runtime=self._runtime(request), principal=principal)

    async def parse_http_body(self, request):
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            raise HTTPException(400, "Batched operations are not accepted.")
        runtime = self._runtime(request._request)
        if self._persisted is None:
            self._persisted = PersistedQueries(runtime.redis)
        data.query = await self._persisted.resolve(data.query, data.extensions)
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
