"""The consoles at /console in Chromium: a developer creates an organisation and an app (its
secret shown once), whitelists a domain, uploads packages (a bad one's problems listed), and
takes versions through review, gray release, full release and a rollback; a reviewer approves
and rejects from the queue with reasons the developer then reads; a customer is told the
consoles are not theirs. axe-core clean, no console error, screenshots in the tmp dir."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from identity.roles import Role
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.e2e.test_h5_chromium import accessibility_problems
from tests.miniprogram_host.helpers import package

pytestmark = pytest.mark.slow


async def open_console(browser, server_url: str, token: str, problems: list[str]):
    context = await browser.new_context(locale="zh-CN", bypass_csp=True)  # bypass: axe's script
    await context.add_init_script(f"localStorage.setItem('superapp.accessToken', {json.dumps(token)})")
    page = await context.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(f"{server_url}/console")
    return context, page


async def upload(page, archive: bytes, name: str) -> None:
    await page.locator("#package").set_input_files({"name": name, "mimeType": "application/zip", "buffer": archive})
    await page.locator("#upload").click()


def row(page, version: str):
    return page.locator(f"#versions tr[data-version='{version}']")


RESOLVE = """query($app: String!, $platform: ClientPlatform!) {
  resolveMiniProgram(appId: $app, platform: $platform, clientVersion: "5.2.0") { ... on ResolvedMiniProgram { version } }
}"""


async def test_a_developer_and_a_reviewer_take_versions_from_upload_to_rollback(
    gql, sign_in, server_url, tmp_path, chromium  # noqa: F811
):
    problems: list[str] = []
    developer = await sign_in("13900000101", Role.DEVELOPER)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    customer = await sign_in("13900000001")

    dev, page = await open_console(chromium, server_url, developer.access_token, problems)
    await expect(page.locator("h1")).to_have_text("控制台")
    await expect(page.locator("#developer-title")).to_be_visible()
    assert await page.locator("#review-title").count() == 0  # not a reviewer
    await page.locator("#org-name").fill("咖啡连锁有限公司")
    await page.locator("#create-org").click()
    await expect(page.locator("#developer-status")).to_have_text("已创建组织 咖啡连锁有限公司")
    await page.locator(".app-name").fill("Coffee")
    await page.locator(".register").click()
    await expect(page.locator("#secret")).to_contain_text("只显示这一次")
    secret = await page.locator("#secret-value").text_content()
    assert secret and secret.startswith("sk_")
    app_id = (await page.locator(".org code").first.text_content()).strip()
    await page.screenshot(path=tmp_path / "console-secret-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#secret button").click()
    await expect(page.locator("#secret")).to_have_count(0)  # shown once: gone, and never asked again

    await page.locator(".open-app").click()
    await expect(page.locator("#app-title")).to_contain_text("Coffee")
    await page.locator("#domains").fill("https://api.partner.example.com/v1")
    await page.locator("#save-domains").click()
    await expect(page.locator("#app-status")).to_have_text("已保存")
    await page.locator("#app-secret").fill(secret)
    await upload(page, b"not a zip at all", "broken.zip")
    await expect(page.locator("#problems")).to_contain_text("NOT_A_ZIP")
    # The browser logs the refused upload's 422 itself: the one console error this test causes.
    assert problems == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]
    problems.clear()
    await page.screenshot(path=tmp_path / "console-problems-zh-CN.png", full_page=True)
    for version in ("1.0.0", "1.1.0"):
        await upload(page, package(app_id, version), f"{version}.zip")
        await expect(page.locator("#app-status")).to_have_text(f"已上传版本 {version}")
    await row(page, "1.0.0").locator(".submit").click()
    await expect(row(page, "1.0.0").locator(".state")).to_have_text("审核中")
    assert await accessibility_problems(page) == []

    review, rpage = await open_console(chromium, server_url, reviewer.access_token, problems)
    await expect(rpage.locator("#queue")).to_contain_text(f"{app_id} 1.0.0")
    assert await rpage.locator("#developer-title").count() == 0
    await rpage.screenshot(path=tmp_path / "console-review-queue-zh-CN.png", full_page=True)
    assert await accessibility_problems(rpage) == []
    await rpage.locator(".approve").click()
    await expect(rpage.locator("#review-status")).to_have_text("已通过")
    await expect(rpage.locator("#queue")).to_contain_text("没有待审核的版本")

    await page.reload()
    await page.locator(".open-app").click()
    await row(page, "1.0.0").locator(".release").click()
    await expect(page.locator("#release")).to_contain_text("线上版本：1.0.0")
    await row(page, "1.1.0").locator(".submit").click()
    await expect(row(page, "1.1.0").locator(".state")).to_have_text("审核中")

    # The reviewer turns 1.1.0 back, with a reason the developer reads beside the version.
    await rpage.reload()
    await rpage.locator("select").select_option("FUNCTIONALITY")
    await rpage.locator("input").last.fill("点击定位按钮后没有任何反应，请修复")
    await rpage.locator(".reject").click()
    await expect(rpage.locator("#review-status")).to_have_text("已驳回")
    await page.reload()
    await page.locator(".open-app").click()
    await expect(row(page, "1.1.0").locator(".state")).to_have_text("审核未通过")
    await expect(row(page, "1.1.0").locator(".review")).to_contain_text("功能：点击定位按钮后没有任何反应，请修复")

    # 1.2.0 goes through gray (10%, widened to 50%) to everyone, then back to 1.0.0.
    await page.locator("#app-secret").fill(secret)
    await upload(page, package(app_id, "1.2.0"), "1.2.0.zip")
    await row(page, "1.2.0").locator(".submit").click()
    await expect(row(page, "1.2.0").locator(".state")).to_have_text("审核中")
    await rpage.reload()
    await rpage.locator(".approve").click()
    await expect(rpage.locator("#review-status")).to_have_text("已通过")
    await page.reload()
    await page.locator(".open-app").click()
    # the customer is whitelisted, on H5 only
    await page.locator("#gray-whitelist").fill("12x")
    await row(page, "1.2.0").locator(".gray").click()
    await expect(page.locator("#app-status")).to_have_text("白名单须为用户 ID（数字），以逗号分隔")
    await page.locator("#gray-whitelist").fill(str(customer.user_id))
    await page.locator(".platform-H5").check()
    await row(page, "1.2.0").locator(".percent").fill("10")
    await row(page, "1.2.0").locator(".gray").click()
    await expect(page.locator("#release")).to_contain_text("灰度 1.2.0（10%）")
    await expect(page.locator("#gray-rules")).to_have_text("白名单 1 人 · 仅限 H5")
    # the whitelisted customer always gets it; anyone else never on iOS, the platforms left out
    other = await sign_in("13900000002")
    for who, platform, version in ((customer, "H5", "1.2.0"), (other, "IOS", "1.0.0")):
        resolved = await gql(RESOLVE, {"app": app_id, "platform": platform}, token=who.access_token)
        assert resolved["data"]["resolveMiniProgram"]["version"] == version, (platform, resolved)
    await row(page, "1.2.0").locator(".percent").fill("50")
    await row(page, "1.2.0").locator(".raise").click()
    await expect(page.locator("#release")).to_contain_text("灰度 1.2.0（50%）")
    await page.screenshot(path=tmp_path / "console-gray-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await row(page, "1.2.0").locator(".release").click()
    await expect(page.locator("#release")).to_have_text("线上版本：1.2.0")
    await page.locator("#rollback-target").select_option("1.0.0")
    await page.locator("#rollback").click()
    await expect(page.locator("#app-status")).to_have_text("已回退到 1.0.0")
    await expect(page.locator("#release")).to_have_text("线上版本：1.0.0")
    await page.screenshot(path=tmp_path / "console-rolled-back-zh-CN.png", full_page=True)
    await dev.close()
    await review.close()

    # A customer: the consoles are not theirs.
    other, cpage = await open_console(chromium, server_url, customer.access_token, problems)
    await expect(cpage.locator("#no-console")).to_have_text("你的账号没有控制台权限：开发者、审核员和运营人员才能使用")
    assert await cpage.locator("#developer-title").count() == 0 and await cpage.locator("#review-title").count() == 0
    assert await accessibility_problems(cpage) == []
    await other.close()
    assert problems == []
