"""The reference `graphql-ws` client (npm, on Node) against a real server: it subscribes,
hears a sign-in on another device, and is closed with 4403 when its session logs out.

tests/js holds the npm manifest and lockfile; scripts/test runs `npm ci` there.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import httpx

from tests.servers import server_process
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient, SignIn, until_subscribed

JS = Path(__file__).resolve().parents[1] / "js"


async def _next_line(process: asyncio.subprocess.Process) -> dict:
    line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
    assert line, f"the client ended early: {(await process.stderr.read()).decode()}"
    return json.loads(line)


async def test_graphql_ws_client_hears_events_and_is_closed_with_4403_on_logout(app, runtime, environ):
    node = shutil.which("node")
    assert node, "Node 20 is needed for the reference clients"
    assert (JS / "node_modules" / "graphql-ws").is_dir(), "run scripts/test (it runs npm ci --prefix tests/js)"
    async with server_process(environ) as base, httpx.AsyncClient(base_url=base) as http:
        gql = GraphQLClient(http)
        phone = await SignIn(gql, runtime)("13822223333")
        # given the reference client subscribed with the phone's token
        client = await asyncio.create_subprocess_exec(
            node, str(JS / "graphql_ws_sessions.mjs"), base.replace("http", "ws") + "/graphql", phone.access_token,
            cwd=JS, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert await _next_line(client) == {"type": "connected"}
            await until_subscribed(runtime, f"user:{phone.user_id}:security")
            # when the customer signs in on a tablet
            await gql(REQUEST_CODE, {"phone": "13822223333"})
            code = await SignIn(gql, runtime).latest_code("13822223333")
            tablet = {"id": "tablet-install-0001", "name": "Kitchen tablet", "platform": "ANDROID"}
            assert (await gql(LOGIN, {"phone": "13822223333", "code": code, "device": tablet}))["data"]["login"]["accessToken"]
            # then the client receives the event
            assert await _next_line(client) == {"type": "next", "payload": {"data": {"securityEvents": {
                "kind": "NEW_DEVICE_LOGIN", "deviceName": "Kitchen tablet", "platform": "android"}}}}
            # and when the phone logs out, the server closes the client's socket as forbidden
            assert (await gql("mutation { logout { ok } }", token=phone.access_token))["data"]["logout"]["ok"]
            closed = await _next_line(client)
            while closed["type"] != "closed":  # the subscription's error comes first
                closed = await _next_line(client)
            assert closed["code"] == 4403
            assert await asyncio.wait_for(client.wait(), timeout=20) == 0
        finally:
            if client.returncode is None:
                client.kill()
                await client.wait()
