"""Many requests at once on one worker wait for a Redis connection instead of failing.

A real uvicorn server on a free port and real HTTP: GraphQL, the JSAPI bridge, tracking and
the open API, 300 requests in flight together. When no connection frees up in time, every
route answers a typed 503 with Retry-After, never a raw 500.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.miniprogram_runtime.support import CLIENT, released_app
from tests.support import REQUEST_CODE, SignIn
from tests.openplatform.partner_client import PartnerServer
from tests.openplatform.support import register_partner_app
from tests.tracking.support import batches, send

IN_FLIGHT = 300


@pytest.fixture
def environ(environ):
    # Nothing but the Redis pool may refuse: rate limits, the bridge's per-app concurrency and
    # its call timeout far above what 300 requests on a busy 2-core machine need.
    environ.update(MP_BRIDGE_LIMITS="getStorage=100000/100000", OPENAPI_RATE_PER_SECOND="100000",
                   MP_BRIDGE_APP_CONCURRENCY="1000", MP_BRIDGE_TIMEOUT_MS="120000")
    return environ


@pytest.fixture
def callers_for():
    """One request of each kind, ready to be sent many times: GraphQL, bridge, tracking, open API."""
    return _callers


@pytest.fixture
async def callers(gql, runtime):
    return await _callers(gql, runtime)


async def _callers(gql, runtime) -> list:
    sign_in, client = SignIn(gql, runtime), gql.http
    customer = await sign_in("13900000001")
    mini_app = await released_app(gql, client, sign_in, jsapis=["getStorage"])
    partner_app = await register_partner_app(gql, sign_in)

    async def graphql(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post("/graphql", json={"query": "{ me { maskedPhone } }"},
                               headers={"authorization": f"Bearer {customer.access_token}"})

    async def bridge(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post(f"/bridge/v1/{mini_app.app_id}/getStorage", json={"args": {"key": "k"}, **CLIENT},
                               headers={"authorization": f"Bearer {customer.access_token}"})

    async def tracking(http: httpx.AsyncClient) -> httpx.Response:
        return await send(http, batches(1, 5)[0])

    partner = PartnerServer(client, partner_app)
    await partner.fetch_token()

    async def open_api(http: httpx.AsyncClient) -> httpx.Response:
        path = "/openapi/v1/payments/pay-unknown"
        return await http.get(path, headers=partner.headers("GET", path, b""))

    return [graphql, bridge, tracking, open_api]


async def _all_at_once(base: str, callers) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        return await asyncio.gather(*(callers[i % len(callers)](http) for i in range(IN_FLIGHT)))


def _route(response: httpx.Response) -> str:
    return response.request.url.path.split("/")[1]


async def test_300_requests_at_once_on_one_worker_all_get_real_answers(server_url, callers):
    # when 300 requests of every kind arrive together at one worker
    responses = await _all_at_once(server_url, callers)

    # then none fails: with the default pool size every one waits its turn for Redis
    failed = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert failed == []
    assert sorted({(_route(r), r.status_code) for r in responses}) == [
        ("bridge", 200), ("graphql", 200), ("openapi", 404), ("track", 200),
    ]


async def test_no_free_connection_in_time_is_a_typed_503_with_retry_after_on_every_route(
    environ, start_app, callers_for,
):
    # given a worker whose 4 Redis connections are all held by work in flight
    environ.update(REDIS_MAX_CONNECTIONS="4", REDIS_POOL_TIMEOUT_SECONDS="0.05", REDIS_RETRY_AFTER_SECONDS="3")
    gql, runtime = await start_app()
    callers = await callers_for(gql, runtime)
    pool = runtime.redis.connection_pool
    held = [await pool.get_connection() for _ in range(4)]

    # when a request of every kind arrives (and an anonymous GraphQL one whose resolver needs Redis)
    try:
        answers = [await call(gql.http) for call in callers]
        anonymous = await gql.post({"query": REQUEST_CODE, "variables": {"phone": "13900000002"}})
    finally:
        for connection in held:
            await pool.release(connection)

    # then each that needs the pool is told, in its own error shape, to come back after the configured
    # delay; the signed-in `me` is served: its session check shares one connection outside the pool
    # (identity.service, infra.redis_multiplex) and its row is in the database
    graphql, bridge, tracking, open_api = answers
    assert graphql.status_code == 200 and graphql.json()["data"]["me"]["maskedPhone"], graphql.text
    for answer in (bridge, tracking, open_api, anonymous):
        assert (answer.status_code, answer.headers["retry-after"]) == (503, "3"), answer.text
    assert anonymous.json()["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfterSeconds": 3}
    assert tracking.json()["code"] == "RETRY_LATER"
    assert bridge.json()["error"]["code"] == open_api.json()["error"]["code"] == "SERVICE_UNAVAILABLE"

    # and once the connections are free again, the same requests are served
    assert [(await call(gql.http)).status_code for call in callers] == [200, 200, 200, 404]
