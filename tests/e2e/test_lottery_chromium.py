"""The lottery mini-program in Chromium, published as seed-demo publishes it (the host's own
pipeline, first party): a verified customer claims a small prize and sees it paid, a large
one points to a redemption centre, a wrong code is refused, all in Simplified Chinese
(screenshots in the test's tmp dir). The page reaches the bank only through bankGraphql."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from identity.roles import Role
from superapp.demo import LOTTERY_PACKAGE, publish_first_party
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.ledger.support import opened_through_kyc
from tests.lottery.support import CODE, balance, payouts
from tests.lottery_operator import lottery_operator

pytestmark = pytest.mark.slow


@pytest.fixture
async def operator():
    async with lottery_operator() as running:
        yield running


@pytest.fixture
def environ(environ, operator):
    """The app under test talks to this operator."""
    environ.update(operator.environ())
    return environ


async def test_a_customer_claims_prizes_in_the_lottery_page(
    sign_in, server_url, tmp_path, chromium, runtime, operator  # noqa: F811
):
    users = {role: await runtime.identity.ensure_user(phone=phone, roles=[role]) for role, phone in (
        (Role.DEVELOPER, "13900000201"), (Role.REVIEWER, "13900000909"), (Role.ADMIN, "13900000999"))}
    app_id, version = await publish_first_party(
        runtime, package=LOTTERY_PACKAGE, name="彩票兑奖", category="finance", description="福利彩票兑奖",
        developer_user=users[Role.DEVELOPER], reviewer_user=users[Role.REVIEWER], admin_user=users[Role.ADMIN])
    assert version == "1.0.0"
    await runtime.lottery.fund_prize_pool(amount=1_000_000, idempotency_key="tests:chromium-pool")
    customer = await sign_in("13900000001")
    account = await opened_through_kyc(runtime, customer.user_id, "张*")
    small = await operator.ticket(prize=18_800, game="双色球", draw="2026138")
    large = await operator.ticket(prize=500_000)
    context, page, errors = await open_container(chromium, server_url, app_id, customer.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("h1")).to_have_text("福利彩票兑奖")
    await expect(frame.locator("#claims")).to_have_text("暂无记录")

    async def claim(ticket: str, code: str) -> None:
        await frame.locator("#ticket").fill(ticket)
        await frame.locator("#code").fill(code)
        await frame.locator("#submit").click()

    await claim(small, "000000")
    await expect(frame.locator("#result")).to_contain_text("安全码不正确")
    await claim(small, CODE)
    await expect(frame.locator("#result strong")).to_have_text("兑奖成功")
    await expect(frame.locator("#result")).to_contain_text("奖金 ¥188.00 已转入您的二类账户")
    await expect(frame.locator("#claims li")).to_have_text(f"双色球 第 2026138 期 · 尾号 {small[-4:]} · ¥188.00 · 已到账")
    await page.screenshot(path=tmp_path / "lottery-paid-zh-CN.png")
    await claim(large, CODE)
    await expect(frame.locator("#result strong")).to_have_text("奖金 ¥5000.00 超过 500 元，请到兑奖中心领取")
    await expect(frame.locator("#result")).to_contain_text("身份证")
    await page.screenshot(path=tmp_path / "lottery-offline-zh-CN.png")

    assert await balance(account.id) == 18_800 and await payouts() == 1
    assert errors == []
    await context.close()
