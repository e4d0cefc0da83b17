"""One inbox: the bank's transactional, system and campaign messages beside mini-programs'
subscription messages; read, unread, delete; live delivery from another process."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets

from openplatform.service import tell_customer
from tests.servers import server_process
from tests.support import GraphQLClient, SignIn, until_subscribed

INBOX = "{ inbox { id appId topic title kind read } inboxUnreadCount }"
READ = "mutation($ids: [ID!]) { markInboxRead(ids: $ids) }"
DELETE = "mutation($id: ID!) { deleteInboxMessage(id: $id) }"


async def test_read_unread_and_delete_keep_to_the_customers_own_messages(gql, sign_in):
    alice, bob = await sign_in("13900000001"), await sign_in("13900000002")
    await tell_customer(user_id=alice.user_id, topic="payment.received", title="到账", body="¥1.00")
    await tell_customer(user_id=alice.user_id, topic="campaign.7", title="理财节", body="加息券已到")
    await tell_customer(user_id=alice.user_id, topic="system.maintenance", title="维护通知", body="今晚 2 点")
    await tell_customer(user_id=bob.user_id, topic="payment.received", title="到账", body="¥2.00")

    mine = (await gql(INBOX, token=alice.access_token))["data"]
    assert [(m["title"], m["kind"], m["read"]) for m in mine["inbox"]] == [
        ("维护通知", "SYSTEM", False), ("理财节", "CAMPAIGN", False), ("到账", "TRANSACTIONAL", False)]
    assert mine["inboxUnreadCount"] == 3
    [bobs] = (await gql(INBOX, token=bob.access_token))["data"]["inbox"]

    # Alice cannot read or delete Bob's message; her own are marked and deleted.
    assert (await gql(READ, {"ids": [bobs["id"], mine["inbox"][0]["id"]]}, token=alice.access_token))[
        "data"]["markInboxRead"] == 2
    assert (await gql(DELETE, {"id": bobs["id"]}, token=alice.access_token))["data"]["deleteInboxMessage"] is False
    assert (await gql(DELETE, {"id": mine["inbox"][1]["id"]}, token=alice.access_token))["data"][
        "deleteInboxMessage"] is True
    after = (await gql(INBOX, token=alice.access_token))["data"]
    assert [(m["title"], m["read"]) for m in after["inbox"]] == [("维护通知", True), ("到账", False)]
    assert after["inboxUnreadCount"] == 1
    assert (await gql(READ, token=alice.access_token))["data"]["markInboxRead"] == 0
    assert (await gql(INBOX, token=bob.access_token))["data"] == {"inbox": [bobs], "inboxUnreadCount": 1}


async def test_a_new_message_reaches_the_customers_open_subscription_on_another_worker(app, runtime, environ):
    async with server_process(environ) as worker:
        async with httpx.AsyncClient(base_url=worker) as http:
            alice = await SignIn(GraphQLClient(http), runtime)("13811112222")
            async with websockets.connect(worker.replace("http", "ws") + "/graphql",
                                          subprotocols=["graphql-transport-ws"]) as ws:
                await ws.send(json.dumps({"type": "connection_init",
                                          "payload": {"authorization": f"Bearer {alice.access_token}"}}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                          "payload": {"query": "subscription { inboxMessages { title kind read } }"}}))
                await until_subscribed(runtime, f"inbox:{alice.user_id}")
                # This test's own process writes the message: the worker hears it through Redis.
                await tell_customer(user_id=alice.user_id, topic="payment.received", title="到账", body="¥3.00")
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                assert message["type"] == "next", message
                assert message["payload"]["data"]["inboxMessages"] == {"title": "到账", "kind": "TRANSACTIONAL",
                                                                       "read": False}
