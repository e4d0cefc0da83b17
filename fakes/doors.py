"""What every fake party's HTTP face shares: signed answers, requests checked for signature
and replay, and a listening socket whose URL is printed for the parent process."""

from __future__ import annotations

import asyncio
import json
import socket

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from starlette.requests import Request
from starlette.responses import Response

from fakes.signing import Nonces, Scheme


class SignedDoor:
    def __init__(self, scheme: Scheme, *, key: Ed25519PrivateKey, key_id: str, peer: Ed25519PublicKey) -> None:
        self.scheme, self.key, self.key_id, self.peer = scheme, key, key_id, peer
        self.nonces = Nonces()

    def signed(self, request: Request, payload: dict, status: int = 200) -> Response:
        body = json.dumps(payload).encode()
        headers = self.scheme.signed_headers(self.key, self.key_id, "RESPONSE", request.url.path, body)
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    def error(self, request: Request, status: int, code: str, message: str) -> Response:
        return self.signed(request, {"error": {"code": code, "message": message}}, status)

    async def authenticated(self, request: Request) -> bytes | Response:
        """The request's body when the peer signed it, fresh and never seen; else a signed 401."""
        body = await request.body()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        problem = self.scheme.verify(self.peer, request.headers, request.method, path, body)
        nonce = request.headers.get(f"x-{self.scheme.family.lower()}-nonce", "")
        if problem is None and not self.nonces.fresh(nonce):
            problem = "nonce already used"
        if problem is not None:
            return self.error(request, 401, "BAD_SIGNATURE", problem)
        return body


def serve(app, host: str, port: int, *, backlog: int = 512, lifespan: str = "on") -> None:
    """Listen, print ``listening on http://HOST:PORT`` once connections are accepted, serve until signalled."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"listening on http://{bound_host}:{bound_port}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan=lifespan))
    asyncio.run(server.serve(sockets=[sock]))
