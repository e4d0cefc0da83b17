"""A subscription lives no longer than its session: when HTTP starts refusing the token,
the socket is closed with 4403, whichever server process ended the session."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.servers import server_process
from tests.support import GraphQLClient, SignIn, until_subscribed

SECURITY_EVENTS = "subscription { securityEvents { kind deviceName platform } }"
SESSIONS = "{ me { sessions { id current } } }"
SIGN_OUT = """mutation($id: ID!) { signOutDevice(sessionId: $id) {
  __typename ... on DeviceSignedOut { sessionId } ... on Error { message } } }"""
REFRESH = """mutation($token: String!, $device: String!) {
  refreshSession(refreshToken: $token, deviceId: $device) { __typename } }"""


class Subscriber:
    """A phone listening to its security events over graphql-transport-ws."""

    def __init__(self, ws) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, base: str, token: str, runtime, user_id: int, stack) -> Subscriber:
        ws = await stack.enter_async_context(
            websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"])
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SECURITY_EVENTS}}))
        await until_subscribed(runtime, f"user:{user_id}:security")
        return cls(ws)

    async def close_code(self) -> int:
        """Wait for the server to close the socket; events that arrive first are skipped."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout=20)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else closed.code


async def refused(gql: GraphQLClient, token: str) -> bool:
    answer = await gql("{ me { id } }", token=token)
    return answer.get("errors", [{}])[0].get("extensions", {}).get("code") == "UNAUTHENTICATED"


@pytest.fixture
async def stack():
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as exits:
        yield exits


async def test_logout_through_worker_b_closes_the_subscription_on_worker_a(app, runtime, environ, stack):
    async with server_process(environ) as worker_a, server_process(environ) as worker_b:
        async with httpx.AsyncClient(base_url=worker_a) as http_a, httpx.AsyncClient(base_url=worker_b) as http_b:
            # given a phone signed in and subscribed through worker A
            phone = await SignIn(GraphQLClient(http_a), runtime)("13811113333")
            subscriber = await Subscriber.connect(worker_a, phone.access_token, runtime, phone.user_id, stack)
            # when the phone logs out through worker B
            gql_b = GraphQLClient(http_b)
            assert (await gql_b("mutation { logout { ok } }", token=phone.access_token))["data"]["logout"]["ok"]
            # then worker A closes the socket as forbidden, and HTTP refuses the token too
            assert await subscriber.close_code() == 4403
            assert await refused(GraphQLClient(http_a), phone.access_token)


async def test_signing_out_a_lost_phone_from_a_tablet_closes_the_phones_subscription(app, runtime, environ, stack):
    async with server_process(environ) as worker_a, server_process(environ) as worker_b:
        async with httpx.AsyncClient(base_url=worker_a) as http_a, httpx.AsyncClient(base_url=worker_b) as http_b:
            # given a lost phone still subscribed through worker A, and the customer's tablet
            sign_in = SignIn(GraphQLClient(http_a), runtime)
            phone = await sign_in("13811114444")
            tablet = await sign_in("13811114444")
            subscriber = await Subscriber.connect(worker_a, phone.access_token, runtime, phone.user_id, stack)
            gql_b = GraphQLClient(http_b)
            sessions = (await gql_b(SESSIONS, token=tablet.access_token))["data"]["me"]["sessions"]
            lost = next(s["id"] for s in sessions if not s["current"])
            # when the tablet signs the phone out through worker B
            answer = (await gql_b(SIGN_OUT, {"id": lost}, token=tablet.access_token))["data"]["signOutDevice"]
            assert answer == {"__typename": "DeviceSignedOut", "sessionId": lost}
            # then the phone's socket is closed and its token refused; the tablet goes on
            assert await subscriber.close_code() == 4403
            assert await refused(gql_b, phone.access_token)
            assert not await refused(gql_b, tablet.access_token)


async def test_a_replayed_refresh_token_closes_the_sessions_subscription(app, runtime, environ, stack):
    async with server_process(environ) as worker:
        async with httpx.AsyncClient(base_url=worker) as http:
            gql = GraphQLClient(http)
            phone = await SignIn(gql, runtime)("13811115555")
            subscriber = await Subscriber.connect(worker, phone.access_token, runtime, phone.user_id, stack)
            # when a stolen refresh token is replayed after the phone refreshed with it
            for _ in range(2):
                await gql(REFRESH, {"token": phone.refresh_token, "device": phone.device_id})
            # then the session is revoked, and its subscription with it
            assert await subscriber.close_code() == 4403
            assert await refused(gql, phone.access_token)


async def test_an_expired_access_token_closes_the_subscription(app, runtime, environ, stack):
    environ["ACCESS_TOKEN_SECONDS"] = "4"
    async with server_process(environ) as worker:
        async with httpx.AsyncClient(base_url=worker) as http:
            gql = GraphQLClient(http)
            phone = await SignIn(gql, runtime)("13811116666")
            subscriber = await Subscriber.connect(worker, phone.access_token, runtime, phone.user_id, stack)
            # when the access token's lifetime passes, the socket is closed as HTTP starts refusing it
            assert await subscriber.close_code() == 4403
            assert await refused(gql, phone.access_token)


async def test_an_authorization_header_on_the_upgrade_is_refused(app, runtime, environ):
    async with server_process(environ) as worker:
        async with httpx.AsyncClient(base_url=worker) as http:
            phone = await SignIn(GraphQLClient(http), runtime)("13811117777")
        async with websockets.connect(
            worker.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],
            additional_headers={"Authorization": f"Bearer {phone.access_token}"},
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=20)
            assert closed.value.rcvd.code == 4403
            assert "connection_init" in closed.value.rcvd.reason
