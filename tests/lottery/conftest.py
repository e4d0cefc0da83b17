"""The bank with the fake lottery operator (its own process) attached.

``desk = await open_desk()`` starts the operator and the app pointed at it; ``desk.winner()``
is a verified customer (a Class II account opened through KYC) signed in over GraphQL.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from infra.settings import Settings
from tests.conftest import _reset_state
from tests.ledger.support import opened_through_kyc
from tests.lottery_operator import LotteryOperator, lottery_operator
from tests.support import GraphQLClient, Session, SignIn

POOL = 10_000_000  # fen in the prize pool: 100,000 yuan


@dataclass
class Winner:
    session: Session
    account_id: int

    @property
    def token(self) -> str:
        return self.session.access_token

    @property
    def user_id(self) -> int:
        return self.session.user_id


@dataclass
class Desk:
    gql: GraphQLClient
    runtime: object
    operator: LotteryOperator
    sign_in: SignIn

    @property
    def lottery(self):
        return self.runtime.lottery

    async def winner(self, phone: str = "13900000001", masked_name: str = "张*") -> Winner:
        session = await self.sign_in(phone)
        account = await opened_through_kyc(self.runtime, session.user_id, masked_name)
        return Winner(session, account.id)


@pytest.fixture
async def open_desk(environ):
    from superapp.app import create_app

    stack = AsyncExitStack()

    async def start(pool: int = POOL, **settings: str) -> Desk:
        operator = await stack.enter_async_context(lottery_operator())
        environ.update(operator.environ(), LOTTERY_REQUEST_TIMEOUT_MS="1000", **settings)
        await _reset_state()
        app = create_app(Settings.from_env(environ))
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=60))
        gql = GraphQLClient(http)
        runtime = app.state.runtime
        if pool:
            await runtime.lottery.fund_prize_pool(amount=pool, idempotency_key="tests:pool")
        return Desk(gql, runtime, operator, SignIn(gql, runtime))

    yield start
    await stack.aclose()


@pytest.fixture
async def desk(open_desk) -> Desk:
    return await open_desk()
