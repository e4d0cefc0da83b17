"""A repair ticket's changes reach the people on it in real time: the tenant who filed it
and the technician hear of each step over the inbox subscription (graphql-transport-ws),
even when the manager's request lands on another server process than their connection."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets

from tests.parks.support import leased_unit
from tests.servers import server_process
from tests.support import GraphQLClient, until_subscribed

INBOX = "subscription { inboxMessages { topic title body kind read } }"
TICKET = """mutation($unit: ID!) { fileRepairTicket(unitId: $unit, category: ELECTRICAL, urgency: URGENT,
  description: "配电箱冒烟") { __typename ... on RepairTicket { id status } } }"""
ASSIGN = """mutation($ticket: ID!, $technician: ID!) { assignRepairTicket(ticketId: $ticket, technicianUserId: $technician) {
  __typename ... on RepairTicket { status } ... on ParksRefusal { code } } }"""
MOVE = """mutation($ticket: ID!, $to: RepairTicketStatus!, $note: String!) { moveRepairTicket(ticketId: $ticket, to: $to, note: $note) {
  __typename ... on RepairTicket { status } ... on ParksRefusal { code } } }"""


async def _subscribed(ws_url: str, token: str, runtime, user_id: int):
    ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": INBOX}}))
    await until_subscribed(runtime, f"inbox:{user_id}")
    return ws


async def _next(ws) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
    assert message["type"] == "next", message
    return message["payload"]["data"]["inboxMessages"]


async def test_each_step_of_a_repair_reaches_the_tenant_and_the_technician_live_across_workers(
    runtime, world, sign_in, environ, app
):
    listed, _ = await leased_unit(runtime, world)
    staff = await sign_in("13900001022")  # the tenant's staff member who files it
    manager = await sign_in("13900001002")
    technician = await sign_in("13900001003")
    async with server_process(environ) as worker_a, server_process(environ) as worker_b:
        ws_url = worker_a.replace("http", "ws") + "/graphql"
        tenant_ws = await _subscribed(ws_url, staff.access_token, runtime, staff.user_id)
        technician_ws = await _subscribed(ws_url, technician.access_token, runtime, technician.user_id)
        try:
            async with httpx.AsyncClient(base_url=worker_b) as http_b:
                gql_b = GraphQLClient(http_b)
                filed = await gql_b(TICKET, {"unit": str(listed.id)}, token=staff.access_token)
                ticket = filed["data"]["fileRepairTicket"]["id"]
                assigned = await gql_b(ASSIGN, {"ticket": ticket, "technician": str(technician.user_id)},
                                       token=manager.access_token)
                assert assigned["data"]["assignRepairTicket"] == {"__typename": "RepairTicket", "status": "ASSIGNED"}
                heard = await _next(tenant_ws)
                assert heard == {"topic": "parks.repair", "title": f"报修单 {ticket}：已派单", "body": "配电箱冒烟",
                                 "kind": "TRANSACTIONAL", "read": False}
                assert (await _next(technician_ws))["title"] == f"报修单 {ticket}：已派单"

                started = await gql_b(MOVE, {"ticket": ticket, "to": "IN_PROGRESS", "note": "已到现场"},
                                      token=technician.access_token)
                assert started.get("data") and started["data"]["moveRepairTicket"]["status"] == "IN_PROGRESS", started
                progress = await _next(tenant_ws)
                assert (progress["title"], progress["body"]) == (f"报修单 {ticket}：维修中", "已到现场")
        finally:
            await tenant_ws.close()
            await technician_ws.close()
