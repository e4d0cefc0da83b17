"""The customer H5 app (web/) in Debian's Chromium, served by the server at /: sign in with
the SMS code, read the accounts, pay someone with the PIN typed in the sheet, in Chinese and
then in English; no console error, and axe-core finds no serious or critical violation on any
screen (screenshots in the test's tmp dir)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import expect

from ledger.models import Account
from tests.e2e.test_container_chromium import chromium, publish_sample  # noqa: F401 - the browser fixture
from tests.ledger.support import deposit, funded_account

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
PIN = "135790"


async def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on what the page shows now."""
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in found["violations"] if v["impact"] in ("serious", "critical")]


async def test_a_customer_signs_in_and_pays_someone_with_the_pin(
    gql, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    await publish_sample(gql, sign_in, server_url, tmp_path)  # a released mini-program, "Branches"
    me = await sign_in("13900000001")
    payee = await sign_in("13900000002")
    account = await funded_account(runtime, me.user_id, 100_00)
    await funded_account(runtime, payee.user_id, 0)
    await runtime.ledger.pins.set_pin(user_id=me.user_id, pin=PIN)

    # axe needs its script in the page: this context lets it past the page's CSP (the app's own
    # scripts are checked under the CSP in the context below).
    context = await chromium.new_context(locale="zh-CN", bypass_csp=True)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sent: list[dict] = []  # what the app posts to /graphql: its operations by hash alone
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/graphql") else None)

    response = await page.goto(f"{server_url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    await expect(page.locator("h1")).to_have_text("超级 App")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator("h2")).to_have_text("短信验证码登录")
    await page.screenshot(path=tmp_path / "h5-sign-in-zh-CN.png")
    assert await accessibility_problems(page) == []

    await page.locator("#phone").fill("13900000001")
    await page.locator("#ask-code").click()
    await expect(page.locator("#status")).to_have_text("验证码已发送，请查看短信")
    await page.locator("#code").fill(await sign_in.latest_code("13900000001"))
    await page.locator("#sign-in").click()
    # Home first: the mini-programs this customer gets and the unread count.
    await expect(page.locator("#grid-title")).to_have_text("小程序")
    await expect(page.locator("#grid")).to_contain_text("Branches")
    await expect(page.locator("#unread")).to_have_text("0 条未读消息")
    await page.screenshot(path=tmp_path / "h5-home-zh-CN.png")
    assert await accessibility_problems(page) == []
    await page.locator("#tab-accounts").click()
    await expect(page.locator("#accounts")).to_contain_text("电子账户（II 类户）")
    await expect(page.locator("#accounts")).to_contain_text("¥100.00")
    await expect(page.locator("#who")).to_have_text("139****0001")
    assert json.loads(await page.evaluate("JSON.stringify(localStorage.getItem('superapp.accessToken') !== null)"))
    await page.screenshot(path=tmp_path / "h5-accounts-zh-CN.png")
    assert await accessibility_problems(page) == []

    # Bad input is answered on the screen, before anything is sent.
    await page.locator("#to-phone").fill("13900000002")
    await page.locator("#amount").fill("12.345")
    await page.locator("#transfer-next").click()
    await expect(page.locator("#transfer-status")).to_have_text("请输入大于 0 的金额，最多两位小数")

    await page.locator("#amount").fill("12.50")
    await page.locator("#memo").fill("午饭")
    await page.locator("#transfer-next").click()
    await expect(page.locator("#pin-sheet")).to_be_visible()
    await expect(page.locator("#pin-purpose")).to_have_text("向 13900000002 转账 ¥12.50")
    await page.screenshot(path=tmp_path / "h5-pin-sheet-zh-CN.png")
    assert await accessibility_problems(page) == []
    # A wrong PIN: the bank's own words, nothing moves.
    await page.locator("#pin").fill("000000")
    await page.locator("#pin-confirm").click()
    await expect(page.locator("#transfer-status")).to_contain_text("支付密码")
    assert (await Account.get(id=account.id)).balance == 100_00

    await page.locator("#transfer-next").click()
    await page.locator("#pin").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(page.locator("#transfer-status")).to_have_text("已向 139****0002 转账 ¥12.50")
    await expect(page.locator("#accounts")).to_contain_text("¥87.50")
    assert (await Account.get(id=account.id)).balance == 87_50
    await page.locator("#accounts .details").first.click()
    await expect(page.locator(".postings")).to_contain_text("午饭")
    await expect(page.locator(".postings")).to_contain_text("-¥12.50")
    await expect(page.locator(".postings")).to_contain_text("+¥100.00")
    await expect(page.locator(".postings .end")).to_have_text("没有更多了")
    await page.screenshot(path=tmp_path / "h5-paid-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#tab-inbox").click()
    await expect(page.locator("#inbox-title")).to_have_text("消息中心")
    await expect(page.locator("#messages")).to_be_visible()
    assert await accessibility_problems(page) == []
    await page.locator("#tab-accounts").click()

    # English on request: the switch, then the bank's own answers too.
    await page.locator("#language").click()
    await expect(page.locator("h1")).to_have_text("Super-app")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#transfer-title")).to_have_text("Pay someone")
    await page.locator("#to-phone").fill("13900000002")
    await page.locator("#amount").fill("0")
    await page.locator("#transfer-next").click()
    await expect(page.locator("#transfer-status")).to_have_text("Enter an amount above 0 with at most two decimals")
    await page.screenshot(path=tmp_path / "h5-accounts-en.png")
    assert await accessibility_problems(page) == []
    # A mini-program opens from the grid in the container, signed in as the same customer.
    await page.locator("#tab-home").click()
    await page.locator("#grid a", has_text="Branches").click()
    await expect(page.locator("body")).to_have_attribute("data-version", "1.0.0")
    await expect(page.frame_locator("#stage iframe").locator("h1")).to_have_text("Hello, mini-program")
    assert problems == []
    # Every screen's operation went by its hash, registered at build time: never the text, never retried.
    assert sent and all("query" not in body and body["extensions"]["persistedQuery"]["sha256Hash"]
                        for body in sent), [b for b in sent if "query" in b][:2]
    await context.close()

    # Under its own CSP (no bypass) the app runs, and a reload keeps the session.
    context = await chromium.new_context(locale="zh-CN")
    page = await context.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(f"{server_url}/")
    await expect(page.locator("h2")).to_have_text("短信验证码登录")
    await page.evaluate(f"localStorage.setItem('superapp.accessToken', {json.dumps(me.access_token)})")
    for _ in range(25):  # more postings than one page of 20
        await deposit(runtime, account.id, 1)
    await page.reload()
    await page.locator("#tab-accounts").click()
    await expect(page.locator("#accounts")).to_contain_text("¥87.75")
    # The postings scroll on: the second page arrives when the list's end comes into view.
    await page.locator("#accounts .details").first.click()
    await expect(page.locator(".posting")).to_have_count(20)
    await page.locator(".postings li").last.scroll_into_view_if_needed()
    await expect(page.locator(".posting")).to_have_count(27)
    await expect(page.locator(".postings .end")).to_have_text("没有更多了")
    await page.locator("#sign-out").click()
    await expect(page.locator("h2")).to_have_text("短信验证码登录")
    assert problems == []
    await context.close()
