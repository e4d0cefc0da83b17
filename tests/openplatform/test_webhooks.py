"""Payment and refund events reach the partner's webhook, signed, retried, dead-lettered."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys

import pytest

from identity.roles import Role
from openplatform.config import OpenPlatformConfig
from openplatform.delivery import WebhookDeliverer, backoff_seconds, http_client
from openplatform.models import WebhookDelivery
from infra.settings import Settings
from tests.openplatform.receiver import webhook_receiver
from tests.ledger.support import funded_account
from tests.openplatform.support import pay_order

WEBHOOK = """mutation($app: String!, $url: String) { setMiniAppWebhook(appId: $app, url: $url) {
  __typename ... on MiniAppOpenSettings { webhookUrl } ... on InvalidInput { field message } ... on Error { message } } }"""


async def _register(gql, partner, url: str | None):
    return (await gql(WEBHOOK, {"app": partner.app_id, "url": url}, token=partner.developer_token))["data"][
        "setMiniAppWebhook"]


async def _deliver_all(runtime) -> WebhookDeliverer:
    config = runtime.openplatform.config
    async with http_client(config) as http:
        deliverer = WebhookDeliverer(config, http)
        await deliverer.run(stop=asyncio.Event(), until_idle=True)
    return deliverer


async def _pay(runtime, partner, customer, amount=1_200, key="order-1"):
    account = await funded_account(runtime, customer.user_id, 10_000)
    return await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=amount, order_id=key,
                           description="Concert ticket")


def _verify(partner, received) -> dict:
    """What the partner does with a delivery: check the signature, then read the event."""
    timestamp = received.headers["x-superapp-timestamp"]
    key = hashlib.sha256(partner.secret.encode()).digest()
    expected = "v1=" + hmac.new(key, timestamp.encode() + b"." + received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, received.headers["x-superapp-signature"])
    return json.loads(received.body)


async def test_a_payment_result_is_delivered_signed(runtime, gql, partner, customer):
    async with webhook_receiver() as receiver:
        assert (await _register(gql, partner, receiver.url))["webhookUrl"] == receiver.url
        payment = await _pay(runtime, partner, customer)
        await runtime.openplatform.refund(app_id=partner.app_id, payment_id=payment.payment_id, amount_fen=200,
                                          idempotency_key="r-1")

        await _deliver_all(runtime)

    # Due deliveries go out side by side, so they may arrive in either order (receivers
    # order by createdAt); each is checked by its type.
    events = {e["type"]: (e, r) for r in receiver.requests for e in [_verify(partner, r)]}
    assert sorted(events) == ["payment.succeeded", "refund.succeeded"]
    assert events["payment.succeeded"][0]["data"]["paymentId"] == payment.payment_id
    assert events["refund.succeeded"][0]["data"]["payment"]["refundedFen"] == 200
    paid, request = events["payment.succeeded"]
    assert request.headers["x-superapp-event-id"] == paid["id"]
    assert {d.status for d in await WebhookDelivery.all()} == {"delivered"}
    audit = await gql('query($app: String!) { miniApp(appId: $app) { ... on MiniApp { audit { action detail } } } }',
                      {"app": partner.app_id}, token=partner.developer_token)
    changes = [a for a in audit["data"]["miniApp"]["audit"] if a["action"] == "webhook_url_changed"]
    assert [c["detail"]["after"] for c in changes] == [receiver.url]


async def test_failed_deliveries_are_retried_until_they_succeed(runtime, gql, partner, customer):
    async with webhook_receiver(fail_first=2) as receiver:
        await _register(gql, partner, receiver.url)
        await _pay(runtime, partner, customer)

        deliverer = await _deliver_all(runtime)

    delivery = await WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    assert len({r.headers["x-superapp-event-id"] for r in receiver.requests}) == 1
    assert (deliverer.progress.delivered, deliverer.progress.failed) == (1, 2)


async def test_after_the_last_try_a_delivery_is_dead_until_redelivered(environ, start_app, tmp_path):
    environ["WEBHOOK_MAX_ATTEMPTS"] = "3"
    gql, runtime = await start_app()
    from tests.openplatform.support import register_partner_app
    from tests.support import SignIn

    sign_in = SignIn(gql, runtime)
    partner = await register_partner_app(gql, sign_in)
    customer = await sign_in("13900000001")
    async with webhook_receiver(always_fail=True) as receiver:
        await _register(gql, partner, receiver.url)
        await _pay(runtime, partner, customer)
        await _deliver_all(runtime)
        dead = await WebhookDelivery.get()
        assert (dead.status, dead.attempts, len(receiver.requests)) == ("dead", 3, 3)
        assert dead.last_error == "the receiver answered 500"

        receiver.always_fail = False
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "superapp.cli", "webhooks", "redeliver", str(dead.id),
            env={**environ}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await cli.communicate()
        assert cli.returncode == 0, output
        assert b"1 delivery queued again" in output
        await _deliver_all(runtime)

    delivered = await WebhookDelivery.get()
    assert (delivered.status, delivered.attempts, len(receiver.requests)) == ("delivered", 1, 4)


async def test_the_worker_command_delivers_the_outbox(runtime, gql, partner, customer, environ):
    async with webhook_receiver() as receiver:
        await _register(gql, partner, receiver.url)
        for n in range(3):
            await _pay(runtime, partner, customer, amount=100 + n, key=f"order-{n}")
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "superapp.cli", "worker", "webhooks", "--until-idle",
            env={**environ}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(worker.communicate(), timeout=60)
        assert worker.returncode == 0, output

    amounts = sorted(json.loads(r.body)["data"]["amountFen"] for r in receiver.requests)
    assert amounts == [100, 101, 102]
    assert await WebhookDelivery.filter(status="delivered").count() == 3


async def test_redeliver_all_dead(runtime, gql, partner, customer):
    from openplatform.delivery import redeliver

    async with webhook_receiver(always_fail=True) as receiver:
        await _register(gql, partner, receiver.url)
        for n in range(2):
            await _pay(runtime, partner, customer, amount=100 + n, key=f"order-{n}")
        await WebhookDelivery.all().update(status="dead")

        assert await redeliver(all_dead=True) == 2
        assert await WebhookDelivery.filter(status="pending", attempts=0).count() == 2


async def test_private_addresses_are_refused_unless_allowed(environ, start_app):
    environ["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "false"
    environ["WEBHOOK_MAX_ATTEMPTS"] = "1"
    gql, runtime = await start_app()
    from tests.openplatform.support import register_partner_app
    from tests.support import SignIn

    sign_in = SignIn(gql, runtime)
    partner = await register_partner_app(gql, sign_in)
    customer = await sign_in("13900000001")
    async with webhook_receiver() as receiver:
        await _register(gql, partner, receiver.url)
        await _pay(runtime, partner, customer)
        await _deliver_all(runtime)

    delivery = await WebhookDelivery.get()
    assert (delivery.status, len(receiver.requests)) == ("dead", 0)
    assert "private" in delivery.last_error


@pytest.mark.parametrize("url", ["ftp://partner.example.com/hook", "https://", "javascript:alert(1)",
                                 "https://user:pw@partner.example.com/", "partner.example.com/hook",
                                 "https://partner.example.com/" + "x" * 500])
async def test_webhook_urls_are_validated(gql, partner, url):
    refused = await _register(gql, partner, url)
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "url")


async def test_only_the_apps_developers_set_its_webhook(gql, sign_in, partner, customer):
    from tests.openplatform.support import register_partner_app

    stranger = await register_partner_app(gql, sign_in)
    foreign = await gql(WEBHOOK, {"app": partner.app_id, "url": "https://evil.example.com/"},
                        token=stranger.developer_token)
    as_customer = await gql(WEBHOOK, {"app": partner.app_id, "url": "https://evil.example.com/"},
                            token=customer.access_token)
    assert foreign["data"]["setMiniAppWebhook"]["__typename"] == "MiniAppNotPermitted"
    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_backoff_doubles_with_jitter_up_to_the_cap(environ):
    environ.update(WEBHOOK_BACKOFF_SECONDS="10", WEBHOOK_BACKOFF_MAX_SECONDS="60")
    config = OpenPlatformConfig.from_settings(Settings.from_env(environ))
    for attempts, ceiling in ((1, 10), (2, 20), (3, 40), (4, 60), (9, 60)):
        delays = [backoff_seconds(config, attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


SEND_TEST = """mutation($app: String!) { sendMiniAppTestWebhook(appId: $app) {
  __typename ... on TestWebhookQueued { eventId } ... on InvalidInput { field } ... on Error { message } } }"""


async def test_the_developer_sends_a_test_webhook_and_only_they_may(runtime, gql, sign_in, partner):
    before = await gql(SEND_TEST, {"app": partner.app_id}, token=partner.developer_token)
    assert {k: before["data"]["sendMiniAppTestWebhook"][k] for k in ("__typename", "field")} == {
        "__typename": "InvalidInput", "field": "url"}
    stranger = await sign_in("13700009999", Role.DEVELOPER)
    refused = await gql(SEND_TEST, {"app": partner.app_id}, token=stranger.access_token)
    assert refused["data"]["sendMiniAppTestWebhook"]["__typename"] == "MiniAppNotPermitted"
    customer = await sign_in("13900000001")
    forbidden = await gql(SEND_TEST, {"app": partner.app_id}, token=customer.access_token)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    async with webhook_receiver() as receiver:
        await _register(gql, partner, receiver.url)
        sent = await gql(SEND_TEST, {"app": partner.app_id}, token=partner.developer_token)
        await _deliver_all(runtime)

    [request] = receiver.requests
    event = _verify(partner, request)
    assert (event["id"], event["type"]) == (sent["data"]["sendMiniAppTestWebhook"]["eventId"], "webhook.test")
    assert event["data"] == {"appId": partner.app_id, "test": True, "sandbox": True}
