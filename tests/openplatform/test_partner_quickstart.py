"""The partner quick-start, run: docs/partners/sample/coffee_server.py, a partner's server in its
own process speaking only the documented protocol, takes a customer from login to a paid and
refunded order, and receives both events as verified webhooks.

The steps are the quick-start's (docs/partners/QUICKSTART.md): register the app and release
a package (GraphQL + upload), register the webhook, start the server with the app's
credentials; then the mini-program's bridge calls (as the container makes them): login,
requestPayment with the prepay id (first for the sheet, then with the PIN).
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from ledger.models import Account
from openplatform.delivery import WebhookDeliverer, http_client
from tests.ledger.support import funded_account
from tests.miniprogram_runtime.support import call, error_code, released_app

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "partners" / "sample" / "coffee_server.py"
WEBHOOK = """mutation($app: String!, $url: String) { setMiniAppWebhook(appId: $app, url: $url) {
  __typename ... on MiniAppOpenSettings { webhookUrl } ... on Error { message } } }"""
PIN = "135790"


@asynccontextmanager
async def coffee_server(bank_url: str, app_id: str, app_secret: str):
    """The sample partner server as its README runs it, in a process of its own."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SAMPLE), stdout=asyncio.subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", ""), "BANK_URL": bank_url, "APP_ID": app_id, "APP_SECRET": app_secret},
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line.startswith("listening on "), line
        async with httpx.AsyncClient(base_url=line.split()[-1], timeout=30) as http:
            yield http
    finally:
        process.terminate()
        await process.wait()


async def _deliver(runtime) -> None:
    config = runtime.openplatform.config
    async with http_client(config) as http:
        await WebhookDeliverer(config, http).run(stop=asyncio.Event(), until_idle=True)


async def _events(partner: httpx.AsyncClient) -> list[dict]:
    return (await partner.get("/events")).json()["events"]


@pytest.mark.slow
async def test_the_sample_partner_server_reaches_a_refunded_payment_and_verified_webhooks(
    gql, client, sign_in, runtime, server_url
):
    app = await released_app(gql, client, sign_in, jsapis=["login", "requestPayment"],
                             scopes={"payment": "Pay for your coffee"})
    customer = await sign_in("13900000001")
    account = await funded_account(runtime, customer.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=customer.user_id, pin=PIN)

    async with coffee_server(server_url, app.app_id, app.secret) as partner:
        hook = str(partner.base_url).rstrip("/") + "/webhook"
        registered = await gql(WEBHOOK, {"app": app.app_id, "url": hook}, token=app.developer.access_token)
        assert registered["data"]["setMiniAppWebhook"]["webhookUrl"] == hook, registered

        # The mini-program: sa.login() gives a code, its server trades it for the openid.
        code = (await call(client, customer.access_token, app.app_id, "login")).json()["result"]["code"]
        login = await partner.post("/login", json={"code": code})
        assert login.status_code == 200, login.text
        openid = login.json()["openid"]
        assert set(login.json()) == {"openid"}  # the sessionKey stayed on the server

        # The page asks its server for a latte: the server's menu sets the price.
        ordered = await partner.post("/orders", json={"openid": openid, "item": "latte"})
        assert ordered.status_code == 201, ordered.text
        order = ordered.json()
        assert order["amountFen"] == 1_800

        # sa.requestPayment({prepayId}): the sheet shows the server's order, the PIN pays it.
        args = {"prepayId": order["prepayId"], "fromAccountId": account.id}
        sheet = await call(client, customer.access_token, app.app_id, "requestPayment", args)
        assert error_code(sheet) == "STEP_UP_REQUIRED"
        assert (sheet.json()["error"]["order"]["amountFen"], sheet.json()["error"]["order"]["app"]["name"]) == (
            1_800, "Branches")
        paid = await call(client, customer.access_token, app.app_id, "requestPayment", args, pin=PIN)
        assert paid.status_code == 200, paid.text
        assert paid.json()["result"]["orderId"] == order["orderId"]

        await _deliver(runtime)
        [event] = await _events(partner)
        assert event["type"] == "payment.succeeded"
        assert (event["data"]["orderId"], event["data"]["openid"], event["data"]["amountFen"]) == (
            order["orderId"], openid, 1_800)
        queried = (await partner.get(f"/orders/{order['orderId']}")).json()
        assert (queried["status"], queried["paymentId"]) == ("paid", paid.json()["result"]["paymentId"])

        refund = await partner.post("/refunds", json={"orderId": order["orderId"], "amountFen": 1_800})
        assert refund.status_code == 201, refund.text
        assert refund.json()["payment"]["status"] == "refunded"
        await _deliver(runtime)
        events = await _events(partner)
        assert [e["type"] for e in events] == ["payment.succeeded", "refund.succeeded"]
        assert (events[1]["data"]["orderId"], events[1]["data"]["openid"]) == (order["orderId"], openid)

        # A forged delivery is refused by the sample's check.
        forged = await partner.post("/webhook", content=b'{"id":"evt_x"}', headers={
            "X-Superapp-Timestamp": events[0]["createdAt"], "X-Superapp-Signature": "v1=00"})
        assert forged.status_code == 401
    assert (await Account.get(id=account.id)).balance == 10_000
