"""The typed per-request context: the caller, the runtime, and per-request DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from identity.tokens import Principal
from bff.services import Runtime

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
BatchLoad = Callable[["Context", Sequence[Any]], Awaitable[Sequence[Any]]]


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None  # None on bff.lean's path: no resolver sets headers of its own
    runtime: Runtime
    principal: Principal | None
    connection_params: dict | None = None  # graphql-transport-ws connection_init payload
    _loaders: dict[BatchLoad, DataLoader] = field(default_factory=dict)

    @property
    def client_ip(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"

    def loader(self, batch_load: BatchLoad) -> DataLoader:
        """The request's DataLoader for this batch function, made on first use.

        ``batch_load(context, keys)`` returns one value (or None) per key, in key order.
        Loaders live for one request only, so nothing is cached across users.
        """
        found = self._loaders.get(batch_load)
        if found is None:

            async def load(keys: list[Any]) -> Sequence[Any]:
                return await batch_load(self, keys)

            found = self._loaders[batch_load] = DataLoader(load_fn=load)
        return found


Info = StrawberryInfo[Context, None]
