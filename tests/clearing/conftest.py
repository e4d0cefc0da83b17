"""The bank served over real HTTP with the fake card network (its own process) attached.

``bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0", ...)`` starts the network with its
callback pointed at a socket bound first, then the app on that socket with the network's
URL and keys, so notifications arrive through the real callback route.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from infra.settings import Settings
from tests.card_network import CardNetwork, card_network
from tests.clearing.support import Customer, customer_with_card
from tests.conftest import _reset_state
from tests.support import GraphQLClient, SignIn


@dataclass
class Bank:
    url: str
    gql: GraphQLClient
    runtime: object
    network: CardNetwork
    sign_in: SignIn

    async def customer(self, phone: str = "13900000001", *, balance: int = 0) -> Customer:
        return await customer_with_card(self, phone, balance=balance)


@pytest.fixture
async def open_bank(environ):
    from superapp.app import create_app

    stack = AsyncExitStack()

    async def start(latency_ms: int = 0, **settings: str) -> Bank:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        stack.callback(sock.close)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        network = await stack.enter_async_context(
            card_network(f"{url}/network/v1/notifications", latency_ms=latency_ms))
        environ.update(CARD_NETWORK_URL=network.url, CARD_NETWORK_PUBLIC_KEY=network.network_public_key,
                       CLEARING_BANK_SIGNING_KEY=network.bank_seed, **settings)
        await _reset_state()
        app = create_app(Settings.from_env(environ))
        await stack.enter_async_context(app.router.lifespan_context(app))
        server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, ws="none"))
        task = asyncio.create_task(server.serve(sockets=[sock]))

        async def stop_server() -> None:
            server.should_exit = True
            await task

        stack.push_async_callback(stop_server)
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
        gql = GraphQLClient(http)
        return Bank(url, gql, app.state.runtime, network, SignIn(gql, app.state.runtime))

    yield start
    await stack.aclose()
