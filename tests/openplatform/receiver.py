"""A partner's webhook receiver: a real HTTP server on loopback that can fail on purpose."""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    url: str = ""
    fail_first: int = 0  # answer 500 to this many deliveries first
    always_fail: bool = False
    requests: list[Received] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.requests.append(Received(dict(request.headers), await request.body()))
        if self.always_fail or len(self.requests) <= self.fail_first:
            return Response("try later", status_code=500)
        return Response(status_code=204)


@asynccontextmanager
async def webhook_receiver(**options):
    receiver = WebhookReceiver(**options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()
