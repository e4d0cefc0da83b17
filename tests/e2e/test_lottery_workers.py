"""Claims of one ticket racing over two server workers (`superapp serve --workers 2`) make one
payout: the claim row in the shared PostgreSQL decides, whichever worker each request reaches."""

from __future__ import annotations

import asyncio

import httpx

from tests.ledger.support import opened_through_kyc
from tests.lottery.support import CODE, payouts
from tests.lottery_operator import lottery_operator
from tests.servers import server
from tests.support import GraphQLClient, SignIn

CLAIM = """mutation($input: ClaimLotteryPrizeInput!) { claimLotteryPrize(input: $input) {
  __typename ... on LotteryRefusal { code } } }"""
CUSTOMERS = 60


async def test_claims_of_one_ticket_over_two_workers_make_one_payout(environ, app):
    runtime = app.state.runtime
    async with lottery_operator() as operator:
        environ.update(operator.environ(), LOGIN_CODES_PER_IP_PER_HOUR="1000")
        async with server(environ, "--workers", "2") as running:
            async with httpx.AsyncClient(base_url=running.base, timeout=60) as http:
                sign_in = SignIn(GraphQLClient(http), runtime)
                tokens = []
                for n in range(CUSTOMERS):
                    session = await sign_in(f"139{n:08d}")
                    await opened_through_kyc(runtime, session.user_id, "赵*")
                    tokens.append(session.access_token)
            await runtime.lottery.fund_prize_pool(amount=1_000_000, idempotency_key="tests:workers-pool")
            ticket = await operator.ticket(prize=20_000)
            workers = set()

            async def claim(token: str) -> str:
                async with httpx.AsyncClient(base_url=running.base, timeout=60) as fresh_connection:
                    workers.add((await fresh_connection.get("/healthz")).json()["worker"])
                    answer = await GraphQLClient(fresh_connection)(
                        CLAIM, {"input": {"ticketNumber": ticket, "securityCode": CODE}}, token=token)
                return answer["data"]["claimLotteryPrize"].get("code") or answer["data"]["claimLotteryPrize"][
                    "__typename"]

            outcomes = await asyncio.gather(*(claim(token) for token in tokens))

    assert len(workers) == 2  # both workers answered during the race
    assert sorted(set(outcomes)) == ["ALREADY_CLAIMED", "LotteryPrizePaid"]
    assert outcomes.count("LotteryPrizePaid") == 1
    assert await payouts() == 1
