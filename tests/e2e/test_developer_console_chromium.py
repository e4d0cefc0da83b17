"""The developer console's app screens in Chromium: analytics charts (page views and visitors
per hour, events per name, exposures and clicks, retention) for the developer's own app, the
webhook URL and deliveries with redeliver, open-API keys (a write key shown once, listed by
fingerprint, revoked; the app secret reset and shown once), and the same screens in English
after the language switch. axe-core clean, no console error, screenshots in the tmp dir."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from openplatform.apps import key_fingerprint
from openplatform.delivery import WebhookDeliverer, http_client
from openplatform.signing import new_sm2_key_pair
from tests.e2e.test_consoles_chromium import open_console
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.e2e.test_h5_chromium import accessibility_problems
from tests.miniprogram_host.helpers import developer_app
from tests.tracking.support import drain, event, send

pytestmark = pytest.mark.slow

WEBHOOK = """mutation($app: String!, $url: String) { setMiniAppWebhook(appId: $app, url: $url) { __typename } }"""
SEND_TEST = """mutation($app: String!) { sendMiniAppTestWebhook(appId: $app) { __typename } }"""


async def _seed_events(client, runtime, app_id: str) -> None:
    """Two devices open the app's home page an hour ago; one of them also came the day before."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    await send(client, [
        event("$page", page="/home", app_id=app_id, anonymous_id="device-a", at=now - timedelta(days=1, hours=1)),
        event("$page", page="/home", app_id=app_id, anonymous_id="device-a", at=now - timedelta(hours=1)),
        event("$page", page="/home", app_id=app_id, anonymous_id="device-b", at=now - timedelta(hours=1)),
    ])
    await drain(runtime)


async def _failed_delivery(gql, runtime, app) -> None:
    """A test event whose first attempt failed (the partner's host does not resolve here)."""
    await gql(WEBHOOK, {"app": app.app_id, "url": "https://hooks.partner.invalid/superapp"},
              token=app.developer.access_token)
    await gql(SEND_TEST, {"app": app.app_id}, token=app.developer.access_token)
    config = runtime.openplatform.config
    async with http_client(config) as http:
        await WebhookDeliverer(config, http).deliver_due()


async def test_the_developer_reads_analytics_deliveries_and_keys_in_both_languages(
    gql, client, runtime, sign_in, server_url, tmp_path, chromium  # noqa: F811
):
    problems: list[str] = []
    app = await developer_app(gql, sign_in)
    await _seed_events(client, runtime, app.app_id)
    await _failed_delivery(gql, runtime, app)

    context, page = await open_console(chromium, server_url, app.developer.access_token, problems)
    await page.locator(".open-app").click()
    await expect(page.locator("#app-title")).to_contain_text("Branches")

    # Analytics: the figures behind each chart are in its table.
    pv = page.locator("#pv-chart table")
    await expect(pv.locator("thead")).to_contain_text("浏览量")
    await expect(pv.locator("tbody tr")).to_have_count(2)
    await expect(pv.locator("tbody tr").last.locator("td")).to_have_text(["2", "2"])  # two visitors, last hour
    await expect(page.locator("#events-chart tbody")).to_contain_text("$page")
    await expect(page.locator("#retention-chart thead")).to_contain_text("第 1 天留存")
    assert await page.locator("#pv-chart canvas").count() == 1

    # Webhooks: the URL is shown, the failed delivery listed with its error, and redelivered.
    await expect(page.locator("#webhook-url")).to_have_value("https://hooks.partner.invalid/superapp")
    delivery = page.locator("#deliveries tbody tr").first
    await expect(delivery).to_contain_text("webhook.test")
    await expect(delivery.locator(".delivery-status")).to_have_text("等待投递")
    await expect(delivery).to_contain_text("the webhook host resolves to a private or local address")
    await delivery.locator(".redeliver").click()
    await expect(page.locator("#webhook-status")).to_have_text("已重新排队投递")
    await expect(delivery.locator("td").nth(2)).to_have_text("0")

    # Keys: a write key shown once, then listed by its fingerprint only; revoked.
    await page.locator("#create-write-key").click()
    await expect(page.locator("#key-once")).to_contain_text("只显示这一次")
    key = (await page.locator("#key-once-value").text_content() or "").strip()
    assert key.startswith("wk_")
    await expect(page.locator("#write-keys tbody tr")).to_have_count(1)
    assert key not in (await page.locator("#write-keys").text_content() or "")
    await page.screenshot(path=tmp_path / "developer-app-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#key-once button").click()
    await page.locator("#write-keys .revoke").click()
    await expect(page.locator("#keys-status")).to_have_text("写入密钥已吊销")
    await expect(page.locator("#write-keys tbody")).to_contain_text("还没有写入密钥")
    await page.locator("#reset-secret").click()
    await expect(page.locator("#key-once-value")).to_contain_text("sk_")
    _, public = new_sm2_key_pair()
    await page.locator("#sm2-key").fill(public)
    await page.locator("#register-sm2").click()
    await expect(page.locator("#signing-key code")).to_have_text(key_fingerprint(public))

    # English: the switch reloads the words, and the same screens speak English.
    await page.locator("#language").click()
    await expect(page.locator("h1")).to_have_text("Console")
    await expect(page.locator("#analytics-title")).to_have_text("Analytics")
    await expect(page.locator("#webhooks-title")).to_have_text("Webhook deliveries")
    await expect(page.locator("#keys-title")).to_have_text("Open-API keys")
    await expect(page.locator("#pv-chart figcaption")).to_have_text("Page views (PV) and visitors (UV) per hour")
    await expect(page.locator("#retention-chart thead")).to_contain_text("Retained on day 1")
    await expect(page.locator("#deliveries thead")).to_contain_text("Delivery status")
    await expect(page.locator("#create-write-key")).to_have_text("Create write key")
    await expect(page.locator("#deliveries .redeliver").first).to_have_text("Redeliver")
    await page.locator(".link", has_text="Back").click()
    await expect(page.locator("#developer-title")).to_have_text("Developer: organisations and apps")
    await page.locator(".open-app").click()
    await expect(page.locator("#deliveries .delivery-status").first).to_have_text("Pending")
    await expect(page.locator("#retention-chart tbody tr")).to_have_count(2)  # the charts have their figures
    await page.screenshot(path=tmp_path / "developer-app-en.png", full_page=True)
    assert await accessibility_problems(page) == []
    await context.close()
    assert problems == []


async def test_another_organisations_developer_sees_none_of_it(
    gql, client, runtime, sign_in, server_url, tmp_path, chromium  # noqa: F811
):
    problems: list[str] = []
    app = await developer_app(gql, sign_in)
    await _seed_events(client, runtime, app.app_id)
    other = await developer_app(gql, sign_in, phone="13900000102")

    context, page = await open_console(chromium, server_url, other.developer.access_token, problems)
    await page.locator(".open-app").click()
    await expect(page.locator("#app-title")).to_contain_text(other.app_id)
    await expect(page.locator("#pv-chart tbody tr")).to_have_count(0)  # their own app: no events
    await expect(page.locator("#deliveries tbody")).to_contain_text("还没有投递记录")
    assert app.app_id not in (await page.content())
    await context.close()
    assert problems == []
