"""Fixtures shared by the mini-program host tests."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn


@pytest.fixture
async def server_url(app):
    """The test app behind a real HTTP server; the socket listens before the server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task
    sock.close()
