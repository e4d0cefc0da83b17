"""Topping up from the bound card in the customer H5 app, in Chromium, against the card
network's fake in its own process: the PIN sheet, the network's confirmation, the balance and
the posting; a declined card is said so, and moves nothing."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.clearing.support import PIN, customer_with_card
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.slow


async def test_a_customer_tops_up_from_the_bound_card(open_bank, chromium, tmp_path):  # noqa: F811
    bank = await open_bank()
    alice = await customer_with_card(bank, "13900000031")
    context = await chromium.new_context(locale="zh-CN")
    await context.add_init_script(f"localStorage.setItem('superapp.accessToken', {json.dumps(alice.token)})")
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(f"{bank.url}/")
    await page.locator("#tab-accounts").click()
    await expect(page.locator("#top-up")).to_contain_text("从绑定的银行卡")
    await page.locator("#top-up-amount").fill("100")
    await page.locator("#top-up-next").click()
    await expect(page.locator("#pin-purpose")).to_contain_text("充值 ¥100.00")
    await page.locator("#pin").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(page.locator("#top-up-status")).to_have_text("已充值 ¥100.00")
    await expect(page.locator("#accounts")).to_contain_text("¥100.00")
    await page.screenshot(path=tmp_path / "h5-top-up-zh-CN.png", full_page=True)
    await alice.account.refresh_from_db()
    assert alice.account.balance == 100_00

    # The card's bank says no: the customer reads why, and nothing moved.
    await bank.network.fault("decline")
    await page.locator("#top-up-amount").fill("50")
    await page.locator("#top-up-next").click()
    await page.locator("#pin").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(page.locator("#top-up-status")).to_have_text("充值未成功，发卡行拒绝了这笔交易")
    await alice.account.refresh_from_db()
    assert alice.account.balance == 100_00
    assert problems == []
    await context.close()
