"""A customer's phone is told at once when their account signs in on another device,
even when the two requests land on different server processes."""

import asyncio
import json

import httpx
import websockets

from tests.servers import server_process
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient, SignIn, until_subscribed

SECURITY_EVENTS = "subscription { securityEvents { kind deviceName platform } }"


async def test_login_on_worker_b_reaches_a_subscriber_on_worker_a(app, runtime, environ):
    async with server_process(environ) as worker_a, server_process(environ) as worker_b:
        async with httpx.AsyncClient(base_url=worker_a) as http_a, httpx.AsyncClient(base_url=worker_b) as http_b:
            # given a customer signed in on their phone through worker A
            phone = await SignIn(GraphQLClient(http_a), runtime)("13811112222")
            ws_url = worker_a.replace("http", "ws") + "/graphql"
            async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {phone.access_token}"}}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SECURITY_EVENTS}}))
                await until_subscribed(runtime, f"user:{phone.user_id}:security")
                # when the same customer signs in on a tablet through worker B
                gql_b = GraphQLClient(http_b)
                await gql_b(REQUEST_CODE, {"phone": "13811112222"})
                code = await SignIn(gql_b, runtime).latest_code("13811112222")
                tablet = {"id": "ipad-install-0002", "name": "Family iPad", "platform": "IOS"}
                login = await gql_b(LOGIN, {"phone": "13811112222", "code": code, "device": tablet})
                assert login["data"]["login"]["__typename"] == "AuthSession"
                # then the phone, connected to worker A, hears about it
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                assert message["type"] == "next"
                assert message["payload"]["data"]["securityEvents"] == {
                    "kind": "NEW_DEVICE_LOGIN", "deviceName": "Family iPad", "platform": "ios"}


async def test_subscription_with_a_bad_token_is_rejected(environ, app):
    async with server_process(environ) as worker:
        ws_url = worker.replace("http", "ws") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer forged"}}))
            try:
                await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd.code == 4403
            else:
                raise AssertionError("connection was accepted")


async def test_subscription_without_sign_in_gets_an_error(environ, app):
    async with server_process(environ) as worker:
        ws_url = worker.replace("http", "ws") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SECURITY_EVENTS}}))
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            assert message["type"] == "error" or message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
