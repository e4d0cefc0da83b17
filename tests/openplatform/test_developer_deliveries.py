"""An app's developers read its webhook deliveries page by page and queue one again; no one else may."""

from __future__ import annotations

import asyncio
import json

from identity.roles import Role
from openplatform.delivery import WebhookDeliverer, http_client
from tests.openplatform.receiver import webhook_receiver
from tests.openplatform.support import register_partner_app

WEBHOOK = """mutation($app: String!, $url: String) { setMiniAppWebhook(appId: $app, url: $url) {
  __typename ... on MiniAppOpenSettings { webhookUrl } } }"""
SEND_TEST = """mutation($app: String!) { sendMiniAppTestWebhook(appId: $app) {
  __typename ... on TestWebhookQueued { eventId } } }"""
DELIVERIES = """query($app: String!, $first: Int!, $before: ID) {
  miniAppWebhookDeliveries(appId: $app, first: $first, before: $before) {
    __typename
    ... on WebhookDeliveryPage { endCursor hasNextPage items {
      id eventId eventType status attempts lastStatusCode lastError createdAt nextAttemptAt deliveredAt } }
    ... on InvalidInput { field }
    ... on Error { message } } }"""
REDELIVER = """mutation($app: String!, $id: ID!) { redeliverMiniAppWebhook(appId: $app, deliveryId: $id) {
  __typename ... on WebhookDelivery { id eventId status attempts } ... on Error { message } } }"""
SETTINGS = """query($app: String!) { miniAppOpenSettings(appId: $app) {
  __typename ... on MiniAppOpenSettings { webhookUrl sm2KeyFingerprint } ... on Error { message } } }"""


async def _deliver_all(runtime) -> None:
    config = runtime.openplatform.config
    async with http_client(config) as http:
        await WebhookDeliverer(config, http).run(stop=asyncio.Event(), until_idle=True)


async def _failed_test_events(runtime, gql, partner, count: int, receiver) -> list[str]:
    await gql(WEBHOOK, {"app": partner.app_id, "url": receiver.url}, token=partner.developer_token)
    sent = [(await gql(SEND_TEST, {"app": partner.app_id}, token=partner.developer_token))["data"][
        "sendMiniAppTestWebhook"]["eventId"] for _ in range(count)]
    await _deliver_all(runtime)
    return sent


async def test_the_developer_pages_through_deliveries_and_redelivers_a_dead_one(environ, start_app):
    environ["WEBHOOK_MAX_ATTEMPTS"] = "1"
    gql, runtime = await start_app()
    from tests.support import SignIn

    partner = await register_partner_app(gql, SignIn(gql, runtime))
    async with webhook_receiver(always_fail=True) as receiver:
        # given three test events whose only attempt the receiver refused
        sent = await _failed_test_events(runtime, gql, partner, 3, receiver)

        # when the developer reads them two at a time
        first = (await gql(DELIVERIES, {"app": partner.app_id, "first": 2}, token=partner.developer_token))[
            "data"]["miniAppWebhookDeliveries"]
        rest = (await gql(DELIVERIES, {"app": partner.app_id, "first": 2, "before": first["endCursor"]},
                          token=partner.developer_token))["data"]["miniAppWebhookDeliveries"]

        # then they come newest first, each dead after one attempt answered 500
        items = first["items"] + rest["items"]
        assert [d["eventId"] for d in items] == sent[::-1]
        assert (first["hasNextPage"], rest["hasNextPage"]) == (True, False)
        assert {(d["eventType"], d["status"], d["attempts"], d["lastStatusCode"], d["lastError"]) for d in items} == {
            ("webhook.test", "DEAD", 1, 500, "the receiver answered 500")}
        assert all(d["deliveredAt"] is None for d in items)
        # and nothing of the body, signature or secret is in the answer
        assert partner.secret not in json.dumps(first) and "signature" not in json.dumps(first).lower()

        # when the receiver is fixed and the developer redelivers the oldest
        receiver.always_fail = False
        again = (await gql(REDELIVER, {"app": partner.app_id, "id": items[-1]["id"]},
                           token=partner.developer_token))["data"]["redeliverMiniAppWebhook"]
        assert again == {"__typename": "WebhookDelivery", "id": items[-1]["id"], "eventId": sent[0],
                         "status": "PENDING", "attempts": 0}
        await _deliver_all(runtime)

    after = (await gql(DELIVERIES, {"app": partner.app_id, "first": 10}, token=partner.developer_token))[
        "data"]["miniAppWebhookDeliveries"]["items"]
    assert [(d["eventId"], d["status"], d["lastStatusCode"]) for d in after] == [
        (sent[2], "DEAD", 500), (sent[1], "DEAD", 500), (sent[0], "DELIVERED", 204)]
    assert [json.loads(r.body)["id"] for r in receiver.requests][-1] == sent[0]


async def test_another_apps_developer_and_other_roles_are_refused(runtime, gql, sign_in):
    partner = await register_partner_app(gql, sign_in)
    stranger = await register_partner_app(gql, sign_in)
    reviewer = await sign_in("13800000007", Role.REVIEWER)
    customer = await sign_in("13900000001")
    async with webhook_receiver(always_fail=True) as receiver:
        await _failed_test_events(runtime, gql, partner, 1, receiver)
        await _failed_test_events(runtime, gql, stranger, 1, receiver)
    own = (await gql(DELIVERIES, {"app": partner.app_id, "first": 5}, token=partner.developer_token))["data"][
        "miniAppWebhookDeliveries"]["items"]
    theirs = (await gql(DELIVERIES, {"app": stranger.app_id, "first": 5}, token=stranger.developer_token))["data"][
        "miniAppWebhookDeliveries"]["items"]
    delivery = {"app": partner.app_id, "id": own[0]["id"]}

    # the wrong owner: another organisation's developer reads nothing and redelivers nothing of the app
    peeking = await gql(DELIVERIES, {"app": partner.app_id, "first": 5}, token=stranger.developer_token)
    pushing = await gql(REDELIVER, delivery, token=stranger.developer_token)
    settings = await gql(SETTINGS, {"app": partner.app_id}, token=stranger.developer_token)
    assert peeking["data"]["miniAppWebhookDeliveries"]["__typename"] == "MiniAppNotPermitted"
    assert pushing["data"]["redeliverMiniAppWebhook"]["__typename"] == "MiniAppNotPermitted"
    assert settings["data"]["miniAppOpenSettings"]["__typename"] == "MiniAppNotPermitted"
    # nor through their own app, naming the other app's delivery
    crossing = await gql(REDELIVER, {"app": stranger.app_id, "id": own[0]["id"]}, token=stranger.developer_token)
    assert crossing["data"]["redeliverMiniAppWebhook"]["__typename"] == "MiniAppNotFound"

    # the wrong role: reviewers and customers are refused before anything runs
    for person in (reviewer, customer):
        for query, variables in ((DELIVERIES, {"app": partner.app_id, "first": 5}), (REDELIVER, delivery),
                                 (SETTINGS, {"app": partner.app_id})):
            answer = await gql(query, variables, token=person.access_token)
            assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # and none of it changed a delivery
    again = await gql(DELIVERIES, {"app": partner.app_id, "first": 5}, token=partner.developer_token)
    assert again["data"]["miniAppWebhookDeliveries"]["items"] == own
    assert (await gql(DELIVERIES, {"app": stranger.app_id, "first": 5}, token=stranger.developer_token))[
        "data"]["miniAppWebhookDeliveries"]["items"] == theirs


async def test_a_page_holds_one_to_a_hundred(gql, sign_in):
    partner = await register_partner_app(gql, sign_in)
    for first in (0, 101):
        answer = await gql(DELIVERIES, {"app": partner.app_id, "first": first}, token=partner.developer_token)
        refused = answer["data"]["miniAppWebhookDeliveries"]
        assert (refused["__typename"], refused["field"]) == ("InvalidInput", "first")


async def test_the_settings_show_the_webhook_url_and_key_fingerprints(gql, sign_in):
    partner = await register_partner_app(gql, sign_in)
    before = (await gql(SETTINGS, {"app": partner.app_id}, token=partner.developer_token))["data"][
        "miniAppOpenSettings"]
    await gql(WEBHOOK, {"app": partner.app_id, "url": "https://partner.example.com/hook"},
              token=partner.developer_token)
    after = (await gql(SETTINGS, {"app": partner.app_id}, token=partner.developer_token))["data"][
        "miniAppOpenSettings"]
    assert before == {"__typename": "MiniAppOpenSettings", "webhookUrl": None, "sm2KeyFingerprint": None}
    assert after["webhookUrl"] == "https://partner.example.com/hook"
