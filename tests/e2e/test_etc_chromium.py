"""悦通 ETC in Chromium through the container: a verified customer applies for a card for a
new-energy plate (the PIN typed in the container's own sheet), a toll road debits it, and the
page lists the debit, per merchant and per day, in Simplified Chinese (screenshots in tmp)."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
from pathlib import Path

import pytest
from playwright.async_api import expect

from identity.roles import Role
from superapp.demo import package_for
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.etc.support import merchant_app
from tests.ledger.support import PIN, opened_through_kyc
from tests.miniprogram_runtime.support import release
from tests.miniprogram_runtime.test_bank_graphql import first_party_app

pytestmark = pytest.mark.slow
PACKAGE = Path(__file__).resolve().parents[2] / "miniprograms" / "etc" / "package"


async def test_apply_for_a_card_and_read_its_debits_in_the_container(
    gql, client, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, package_for(app.app_id, PACKAGE), "1.0.0")
    user = await sign_in("13900000001")
    account = await opened_through_kyc(runtime, user.user_id, "张*", 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin=PIN)
    context, page, errors = await open_container(chromium, server_url, app.app_id, user.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("h1")).to_have_text("悦通 ETC")
    await expect(frame.locator("#cards")).to_contain_text("暂无 ETC 卡")

    await frame.locator("#plate").fill("粤BI2345")  # I is never on a plate
    await frame.locator("#apply-button").click()
    await page.locator("#pin-input").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(frame.locator("#apply-result")).to_contain_text("车牌号格式不正确")

    await frame.locator("#plate").fill("粤BD12345")
    await frame.locator("#apply-button").click()
    await expect(page.locator("#pin-purpose")).to_have_text("申办 ETC 并签署代扣协议")
    await page.screenshot(path=tmp_path / "etc-pin-sheet.png")
    await page.locator("#pin-input").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(frame.locator("#apply-result")).to_contain_text("申办成功：粤BD12345")
    await expect(frame.locator("#cards")).to_contain_text("正常")

    toll = await merchant_app(runtime, gql, sign_in)
    await etc_service(runtime).debit(app_id=toll.app_id, plate="粤BD12345", amount=2_350, idempotency_key="e2e-1")
    await frame.locator(".show-history").first.click()
    await expect(frame.locator("#records")).to_contain_text("广深高速")
    await expect(frame.locator("#records")).to_contain_text("¥23.50")
    await expect(frame.locator("#records")).to_contain_text("已扣款")
    await frame.locator(".dispute").first.click()
    await expect(frame.locator("#history-result")).to_have_text("已提交申诉，等待银行处理")
    assert [d.status.value for d in await etc_service(runtime).disputes()] == ["open"]
    await frame.locator("#tab-merchant").click()
    await expect(frame.locator("#records")).to_contain_text("1 笔")
    await frame.locator("#tab-day").click()
    await expect(frame.locator("#records")).to_contain_text("已扣 ¥23.50")
    await page.screenshot(path=tmp_path / "etc-history.png")

    await frame.locator(".toggle").first.click()
    await expect(frame.locator("#cards")).to_contain_text("已暂停")
    from ledger.service import get_account

    assert (await get_account(account_id=account.id)).balance == 10_000 - 2_350
    assert errors == []
    await context.close()
