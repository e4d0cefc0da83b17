"""A first-party mini-program in Chromium: its page reaches its server side by bankGraphql,
and the payment PIN an operation takes is typed in the container's own sheet, never in the
frame (screenshot in the test's tmp dir)."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from identity.roles import Role
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.miniprogram_host.helpers import zip_of
from tests.miniprogram_runtime.support import release
from tests.miniprogram_runtime.test_bank_graphql import OPERATIONS, first_party_app

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<button id="me" type="button">我</button><button id="pin" type="button">验证</button><pre id="out"></pre>
<script src="../app.js"></script></body></html>"""
SCRIPT = """
function show(value) { document.getElementById('out').textContent = JSON.stringify(value); }
function failed(error) { document.getElementById('out').textContent = 'refused: ' + error.code; }
document.getElementById('me').onclick = function () {
  sa.invoke('bankGraphql', { operation: 'Me' }).then(function (r) { show(r.data.me); }, failed);
};
document.getElementById('pin').onclick = function () {
  sa.invoke('bankGraphql', { operation: 'CheckPin', pin: true, purpose: '查看工资条' })
    .then(function (r) { show(r.data.verifyPaymentPin.__typename); }, failed);
};
"""


def page_package(app_id: str) -> bytes:
    manifest = {
        "appId": app_id, "version": "1.0.0", "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": ["bankGraphql"], "bankOperations": ["operations.graphql"], "scopes": [], "domains": {},
        "minClientVersion": "5.0.0",
    }
    return zip_of({"manifest.json": json.dumps(manifest), "pages/index.html": PAGE, "app.js": SCRIPT,
                   "operations.graphql": OPERATIONS})


async def test_a_first_party_page_runs_its_operations_and_never_sees_the_pin(
    gql, client, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, page_package(app.app_id), "1.0.0")
    user = await sign_in("13900000001")
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin="135790")
    context, page, errors = await open_container(chromium, server_url, app.app_id, user.access_token)
    frame = page.frame_locator("#stage iframe")

    await frame.locator("#me").click()
    await expect(frame.locator("#out")).to_have_text('{"maskedPhone":"139****0001"}')

    await frame.locator("#pin").click()
    sheet = page.locator("#pin-sheet")
    await expect(sheet).to_be_visible()
    await expect(page.locator("#pin-title")).to_have_text("Branches 请求验证支付密码")
    await expect(page.locator("#pin-purpose")).to_have_text("查看工资条")
    await expect(page.locator("#pin-confirm")).to_have_text("确认")
    await page.screenshot(path=tmp_path / "bank-pin-zh-CN.png")
    await page.locator("#pin-input").fill("135790")
    await page.locator("#pin-confirm").click()
    await expect(sheet).to_be_hidden()
    await expect(frame.locator("#out")).to_have_text('"StepUpGranted"')
    assert errors == []
    await context.close()
