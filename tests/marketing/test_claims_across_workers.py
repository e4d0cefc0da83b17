"""The issue's race at scale: 10,000 coupon claims from 5,000 customers (each twice, once per
worker) for a stock of 1,000, through two server processes at once: exactly 1,000 issued,
none twice."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

import aiohttp

from identity.tokens import AccessTokens
from marketing.models import Campaign, Coupon
from tests.marketing.campaigns import coupons, live
from tests.servers import server_process

CLAIM = 'mutation($id: ID!) { claimCoupon(campaignId: $id) { __typename ... on MarketingRefusal { code } } }'
# Sent by its hash, as the bank's clients send every operation (compiled, then answered by bff.lean).
BY_HASH = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(CLAIM.encode()).hexdigest()}}


async def test_ten_thousand_claims_across_two_workers_issue_exactly_the_stock(app, runtime, environ):
    campaign = await live(runtime.marketing, coupons(1_000))
    tokens = AccessTokens(str(runtime.settings.secret_key), ttl_seconds=600)
    customers = [(u, tokens.issue(user_id=u, session_id=str(uuid.uuid4()), roles=["customer"]))
                 for u in range(1, 5_001)]
    claims = [(http_index, token) for _, token in customers for http_index in (0, 1)]
    outcomes: list[str] = []
    retried: list[str] = []
    # An idle keep-alive connection the server closes just as the client reuses it is a lost
    # answer, not a lost claim: kept open longer, and a claim whose answer was lost is sent again.
    environ["HTTP_KEEP_ALIVE_SECONDS"] = "120"
    async with server_process(environ) as worker_a, server_process(environ) as worker_b:
        # aiohttp, not httpx: httpx's client spent a core of its own on 10,000 requests (py-spy),
        # so the claims queued behind the test instead of racing in the servers
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(worker_a, timeout=timeout) as a, \
                aiohttp.ClientSession(worker_b, timeout=timeout) as b:
            # registered with no variables: the hash is kept, and the claim refused before it runs
            async with a.post("/graphql", json={"query": CLAIM, "variables": {}, "extensions": BY_HASH}) as response:
                registered = await response.json()
            assert registered.get("data") is None and registered["errors"]
            pending = iter(claims)

            async def claimant() -> None:
                # 32 claimants, each sending its next claim when its last one is answered; a customer's two
                # claims are next to each other in the list, so they race on the two workers
                for http_index, token in pending:
                    for attempt in range(3):
                        try:
                            async with (a, b)[http_index].post(
                                    "/graphql", json={"extensions": BY_HASH, "variables": {"id": str(campaign.id)}},
                                    headers={"authorization": f"Bearer {token}"}) as response:
                                answer = await response.json()
                            break
                        except aiohttp.ClientConnectionError:
                            if attempt == 2:
                                raise
                            retried.append(token)
                    result = answer["data"]["claimCoupon"]
                    outcomes.append(result.get("code") or result["__typename"])

            await asyncio.gather(*(claimant() for _ in range(32)))

    assert len(outcomes) == 10_000
    # Every coupon issued was answered as issued, unless its answer was lost and the retry was refused.
    assert 1_000 - len(retried) <= outcomes.count("Coupon") <= 1_000
    assert set(outcomes) == {"Coupon", "OUT_OF_STOCK", "ALREADY_CLAIMED"}
    owners = await Coupon.filter(campaign_id=campaign.id).values_list("user_id", flat=True)
    assert (len(owners), len(set(owners))) == (1_000, 1_000)
    assert (await Campaign.get(id=campaign.id)).issued == 1_000
