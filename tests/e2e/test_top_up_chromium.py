"""In a real Chromium: a mini-program tops up from the user's bound card named by its token. The
container's PIN sheet shows the amount and the card's last four digits (the frame never sees
the PIN), the card network debits the real card; another app's token is refused by code."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.clearing.conftest import open_bank  # noqa: F401 - the fixture: the app beside the fake card network
from identity.roles import Role
from tests.clearing.test_top_up_from_card_bridge import APIS, SCOPES, token_of
from tests.miniprogram_host.helpers import developer_app, zip_of
from tests.miniprogram_runtime.support import release
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 - chromium is a fixture
from tests.ledger.support import PIN

pytestmark = pytest.mark.slow

async def quiet_app(bank, phone: str):
    """An app declaring getAccountSummary and topUpFromCard whose page calls nothing by itself."""
    app = await developer_app(bank.gql, bank.sign_in, phone)
    manifest = {"appId": app.app_id, "version": "1.0.0", "pages": ["pages/index.html"],
                "entryPage": "pages/index.html", "jsapis": APIS,
                "scopes": [{"scope": s, "reason": r} for s, r in SCOPES.items()], "domains": {},
                "minClientVersion": "5.0.0"}
    archive = zip_of({"manifest.json": json.dumps(manifest), "app.js": "",
                      "pages/index.html": "<html><body><script src='../app.js'></script></body></html>"})
    reviewer = await bank.sign_in("13900000909", Role.REVIEWER)
    await release(bank.gql, bank.gql.http, app, reviewer, archive, "1.0.0")
    return app


TOP_UP_IN_FRAME = (
    "(body, args) => { const out = document.createElement('p'); out.id = 'out'; body.appendChild(out);"
    " sa.topUpFromCard(args).then(t => { out.textContent = 'topped up: ' + t.status + ' ' + t.amountFen; },"
    " e => { out.textContent = 'refused: ' + e.code; }); }"
)


async def test_the_container_asks_for_the_pin_showing_the_last_four_then_the_card_tops_up(open_bank, chromium,  # noqa: F811
                                                                                          tmp_path):
    bank = await open_bank()
    parking, fuel = await quiet_app(bank, "13900000101"), await quiet_app(bank, "13900000102")
    alice = await bank.customer(balance=10_00)
    token = await token_of(bank, parking, alice)
    fuel_token = await token_of(bank, fuel, alice)
    context, page, errors = await open_container(chromium, bank.url, parking.app_id, alice.token)
    frame = page.frame_locator("#stage iframe")
    await expect(page.locator("body")).to_have_attribute("data-version", "1.0.0")

    await frame.locator("body").evaluate(TOP_UP_IN_FRAME, {"cardToken": token, "amountFen": 50_00,
                                                           "idempotencyKey": "chromium-topup-1"})
    sheet = page.locator("#pin-sheet")
    await expect(sheet).to_be_visible()
    await expect(page.locator("#pin-purpose")).to_contain_text(f"尾号 {alice.card_number[-4:]}")
    await expect(page.locator("#pin-purpose")).to_contain_text("¥50.00")
    assert alice.card_number[:6] not in await sheet.inner_text()
    await page.screenshot(path=tmp_path / "top-up-pin-zh-CN.png")
    await page.locator("#pin-input").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(frame.locator("#out")).to_have_text("topped up: succeeded 5000")
    assert await alice.balance() == 60_00

    # another app's token: refused before any sheet, the network asked nothing more
    await frame.locator("#out").evaluate("el => el.remove()")
    await frame.locator("body").evaluate(TOP_UP_IN_FRAME, {"cardToken": fuel_token, "amountFen": 50_00,
                                                           "idempotencyKey": "chromium-topup-2"})
    await expect(frame.locator("#out")).to_have_text("refused: CARD_TOKEN_NOT_FOR_THIS_APP")
    await expect(sheet).to_be_hidden()
    assert len(await bank.network.movements()) == 1 and await alice.balance() == 60_00
    assert errors == []
    await context.close()
