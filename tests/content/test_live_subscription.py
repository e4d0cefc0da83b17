"""A live stream's status reaches subscribers over graphql-transport-ws as the operator moves it."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

import httpx
import websockets

from content.service import ContentKind, live_topic
from identity.roles import Role
from tests.content.support import draft, published
from tests.servers import server_process
from tests.support import GraphQLClient, SignIn, until_subscribed

STATUS = "subscription($id: ID!) { liveStreamStatus(id: $id) { id status } }"
SET = """mutation($id: ID!, $s: LiveStreamStatus!) { setLiveStreamStatus(id: $id, status: $s) { __typename
  ... on AuthoredContent { item { liveStream { status } } } ... on ContentRefused { code } } }"""


async def test_viewers_hear_the_stream_go_live_and_end(app, runtime, environ):
    async with server_process(environ) as base, httpx.AsyncClient(base_url=base) as http, AsyncExitStack() as stack:
        sign_in = SignIn(GraphQLClient(http), runtime)
        operator = await sign_in("13900004001", Role.OPERATOR)
        viewer = await sign_in("13900004002")
        item = await published(runtime, operator.user_id, draft(ContentKind.LIVE_STREAM))
        ws = await stack.enter_async_context(
            websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]))
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {viewer.access_token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": STATUS, "variables": {"id": str(item)}}}))
        await until_subscribed(runtime, live_topic(item))

        gql = GraphQLClient(http)
        heard = []
        for status in ("LIVE", "ENDED"):
            moved = await gql(SET, {"id": str(item), "s": status}, token=operator.access_token)
            assert moved["data"]["setLiveStreamStatus"]["item"]["liveStream"]["status"] == status
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
            heard.append(message["payload"]["data"]["liveStreamStatus"])
        assert heard == [{"id": str(item), "status": "LIVE"}, {"id": str(item), "status": "ENDED"}]
        # a customer cannot move it, and it never moves back
        refused = await gql(SET, {"id": str(item), "s": "LIVE"}, token=viewer.access_token)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        back = await gql(SET, {"id": str(item), "s": "LIVE"}, token=operator.access_token)
        assert back["data"]["setLiveStreamStatus"]["code"] == "WRONG_STATE"
