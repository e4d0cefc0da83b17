"""The container in a real Chromium: a released mini-program runs, asks for consent, is
refused an API it does not declare, and a tampered package never runs. What it shows is
Simplified Chinese, or English for a browser set to English (screenshots in the test's tmp dir).

Debian's chromium, driven by Playwright through its executable path (``scripts/test``
installs it); the app is served by a real uvicorn on loopback.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from identity.roles import Role
from ledger.models import Account
from miniprogram_host.models import AppVersion
from miniprogram_host.resolution import ReleaseCache
from tests.miniprogram_host.helpers import APPROVE, RELEASE, SUBMIT, developer_app
from tests.miniprogram_host.test_registry import png
from tests.miniprogram_host.test_cli import run_superapp
from ledger.service import AccountKind, open_account
from tests.ledger.support import deposit, funded_account
from tests.marketing.campaigns import coupons, live
from tests.tracking.support import drain
from tracking.models import TrackedEvent
from tests.openplatform.support import order_for

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello-miniapp"
CHROMIUM = "/usr/bin/chromium"
ICON = """mutation($app: String!, $icon: String) { updateMiniAppProfile(appId: $app, iconBase64: $icon) {
  __typename ... on MiniApp { icons { size url } } } }"""
TRACK_EVENT = """mutation($app: String!) { registerTrackingEvent(appId: $app, name: "hello_clicked", schema: {}) {
  __typename ... on Error { message } } }"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


async def pay_in_frame(frame, prepay_id: str) -> None:
    """What the page's script does with the prepay id its server answered: ``sa.requestPayment``."""
    await frame.locator("body").evaluate(
        "(body, prepayId) => { sa.requestPayment({ prepayId: prepayId }).then("
        "p => { document.getElementById('out').textContent = 'paid: ' + JSON.stringify("
        "{ status: p.status, amountFen: p.amountFen, orderId: p.orderId }); },"
        " e => { document.getElementById('out').textContent = 'refused: ' + e.code + ' (' + e.message + ')'; }); }",
        prepay_id,
    )


async def publish_sample(gql, sign_in, server_url, tmp_path):
    """The developer publishes the sample with `superapp mp publish`; a reviewer approves; it is released."""
    app = await developer_app(gql, sign_in)
    source = tmp_path / "hello-miniapp"
    shutil.copytree(SAMPLE, source)
    manifest = json.loads((source / "manifest.json").read_text())
    (source / "manifest.json").write_text(json.dumps({**manifest, "appId": app.app_id}))
    code, out = await run_superapp("mp", "publish", str(source), "--app", app.app_id,
                                   secret=app.secret, server=server_url, tmp_path=tmp_path)
    assert code == 0, out
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    token = app.developer.access_token
    assert (await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=token))["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"
    assert (await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=reviewer.access_token))["data"]["approveMiniAppVersion"]["state"] == "APPROVED"
    released = await gql(RELEASE, {"app": app.app_id, "v": "1.0.0"}, token=token)
    assert released["data"]["releaseMiniAppVersion"]["release"]["liveVersion"] == "1.0.0", released
    return app


async def open_container(browser, server_url: str, app_id: str, token: str | None, *, locale: str = "zh-CN"):
    """A fresh browser context (no cache) in the browser language ``locale``, with the user signed
    in (unless no token), on the container page."""
    context = await browser.new_context(locale=locale)
    # Init scripts run in every frame; only the container's own page holds the token.
    if token is not None:
        await context.add_init_script(
            f"if (window === window.top) localStorage.setItem('superapp.accessToken', {json.dumps(token)})"
        )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{server_url}/static/container.html?app={app_id}")
    return context, page, errors


@pytest.fixture
async def chromium():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def test_a_released_mini_program_runs_asks_for_consent_and_is_held_to_its_manifest(
    gql, sign_in, server_url, tmp_path, chromium, runtime
):
    app = await publish_sample(gql, sign_in, server_url, tmp_path)
    icon = await gql(ICON, {"app": app.app_id, "icon": png(200, 200)}, token=app.developer.access_token)
    icon_url = next(i["url"] for i in icon["data"]["updateMiniAppProfile"]["icons"] if i["size"] == 96)
    user = await sign_in("13900000001")
    context, page, errors = await open_container(chromium, server_url, app.app_id, user.access_token)
    frame = page.frame_locator("#stage iframe")

    await expect(page.locator("body")).to_have_attribute("data-version", "1.0.0")
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    # The title bar names the app and shows its icon, not its id.
    await expect(page.locator("#app-title")).to_have_text("Branches")
    await expect(page.locator("#app-icon")).to_be_visible()
    assert await page.locator("#app-icon").get_attribute("src") == icon_url
    assert await page.locator("#app-icon").evaluate("img => img.complete && img.naturalWidth") == 96
    assert await page.title() == "Branches"
    await expect(frame.locator("h1")).to_have_text("Hello, mini-program")
    sandbox = await page.locator("#stage iframe").get_attribute("sandbox")
    assert sandbox == "allow-scripts"

    # getUserInfo needs consent: the container shows what the manifest says, the user allows.
    await frame.locator("#hello").click()
    consent = page.locator("#consent")
    await expect(consent).to_be_visible()
    await expect(page.locator("#consent-reason")).to_have_text("Greet you by your name")  # the app's own words
    await expect(page.locator("#consent-ask")).to_have_text("申请使用你的用户信息")
    await expect(page.locator("#consent-app")).to_have_text("Branches")
    await expect(page.locator("#consent-allow")).to_have_text("允许")
    await expect(page.locator("#consent-deny")).to_have_text("拒绝")
    await page.screenshot(path=tmp_path / "consent-zh-CN.png")
    await page.locator("#consent-allow").click()
    await expect(consent).to_be_hidden()
    await expect(frame.locator("#out")).to_have_text('hello: {"nickName":"用户0001","avatarUrl":null}')

    # Asked once: the next call goes straight through.
    await frame.locator("#out").evaluate("el => { el.textContent = '' }")
    await frame.locator("#hello").click()
    await expect(frame.locator("#out")).to_contain_text("用户0001")
    await expect(consent).to_be_hidden()

    await frame.locator("#remember").click()
    await expect(frame.locator("#out")).to_have_text("visits: 1")

    # A page that names its own amount is refused: amounts come from the app's server.
    await frame.locator("#pay").click()
    await expect(frame.locator("#out")).to_contain_text("refused: INVALID_INPUT")

    # A payment the WeChat Pay way: the app's server orders, the page passes only the prepay id
    # (here typed into the frame as its script would after asking its server), and the
    # container's sheet shows the server's amount and the app's registered name and icon.
    account = await funded_account(runtime, user.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin="135790")
    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=1_250, order_id="coffee-1",
                            description="Coffee")
    await pay_in_frame(frame, order.prepay_id)
    await expect(page.locator("#payment-sheet")).to_be_visible()
    await expect(page.locator("#payment-amount")).to_have_text("12.50")
    await expect(page.locator("#payment-description")).to_have_text("Coffee")
    # Whom the customer pays: the app's name and icon, not its id.
    await expect(page.locator("#payment-title")).to_have_text("向 Branches 付款")
    assert await page.locator("#payment-icon").get_attribute("src") == icon_url
    await expect(page.locator("#payment-icon")).to_be_visible()
    await expect(page.locator("#payment-sheet")).to_contain_text("付款账户")
    await expect(page.locator("#payment-sheet")).to_contain_text("支付密码")
    await expect(page.locator("#payment-confirm")).to_have_text("付款")
    await expect(page.locator("#payment-cancel")).to_have_text("取消")
    await page.screenshot(path=tmp_path / "payment-zh-CN.png")
    await page.locator("#payment-account").select_option(str(account.id))
    await page.locator("#payment-pin").fill("135790")
    await page.locator("#payment-confirm").click()
    await expect(frame.locator("#out")).to_have_text('paid: {"status":"succeeded","amountFen":1250,"orderId":"coffee-1"}')
    assert (await Account.get(id=account.id)).balance == 8_750

    # With a bank coupon this app takes: the sheet offers it, shows what is left to pay once it is
    # picked, and the campaign's budget pays the rest of the order.
    budget = await open_account(owner_user_id=None, kind=AccountKind.ENTERPRISE, name="营销预算")
    await deposit(runtime, budget.id, 100_00)
    campaign = await live(runtime.marketing, coupons(10, coupon_fen=5_00, coupon_app_id=app.app_id,
                                                     budget_account_id=budget.id))
    coupon = await runtime.marketing.claim_coupon(user_id=user.user_id, campaign_id=campaign.id)
    second = await order_for(runtime, app.app_id, user.user_id, amount_fen=1_250, order_id="coffee-2",
                             description="Coffee")
    await pay_in_frame(frame, second.prepay_id)
    await expect(page.locator("#payment-sheet")).to_be_visible()
    await expect(page.locator("#payment-coupon-row")).to_be_visible()
    await expect(page.locator("#payment-amount")).to_have_text("12.50")
    await page.locator("#payment-coupon").select_option(str(coupon.id))
    await expect(page.locator("#payment-amount")).to_have_text("7.50")
    await expect(page.locator("#payment-discount")).to_have_text("订单 ¥12.50，优惠券已减 ¥5.00")
    await page.screenshot(path=tmp_path / "payment-coupon-zh-CN.png")
    await page.locator("#payment-account").select_option(str(account.id))
    await page.locator("#payment-pin").fill("135790")
    await page.locator("#payment-confirm").click()
    await expect(frame.locator("#out")).to_have_text('paid: {"status":"succeeded","amountFen":1250,"orderId":"coffee-2"}')
    assert ((await Account.get(id=account.id)).balance, (await Account.get(id=budget.id)).balance) == (8_000, 95_00)

    # Analytics go through the bridge (track), attributed to the app and the user; the CSP
    # still keeps the frame from reaching anything itself, the bank's own endpoints included.
    registered = await gql(TRACK_EVENT, {"app": app.app_id}, token=app.developer.access_token)
    assert registered["data"]["registerTrackingEvent"]["__typename"] == "TrackingEventDefinition", registered
    await frame.locator("body").evaluate(
        "(body, url) => { sa.track({ name: 'hello_clicked', eventId: 'hello-click-0001' }).then(r => "
        "fetch(url, { method: 'POST', body: '{}' }).then(() => 'reached', () => 'blocked').then(direct => {"
        " document.getElementById('out').textContent = 'tracked ' + r.eventId + ', direct ' + direct; })); }",
        f"{server_url}/track/batch",
    )
    await expect(frame.locator("#out")).to_have_text("tracked hello-click-0001, direct blocked")
    await drain(runtime)
    tracked = await TrackedEvent.get(event_id="hello-click-0001")
    assert (tracked.app_id, tracked.user_id, tracked.vouched_by) == (app.app_id, str(user.user_id), "bridge")

    # An API the manifest does not declare, named at run time, is refused by the bridge.
    await frame.locator("#phone").click()
    await expect(frame.locator("#out")).to_have_text("refused: API_NOT_DECLARED (版本 1.0.0 没有声明 getPhoneNumber)")

    # The frame cannot reach the container's page or its storage (where the token is).
    await frame.locator("#escape").click()
    await expect(frame.locator("#out")).to_have_text("parent blocked, storage blocked")
    assert errors == []
    await context.close()


async def test_a_tampered_package_or_a_bad_signature_does_not_run(gql, sign_in, server_url, tmp_path, chromium, runtime):
    app = await publish_sample(gql, sign_in, server_url, tmp_path)
    user = await sign_in("13900000001")
    version = await AppVersion.get(app__app_id=app.app_id, version="1.0.0")
    stored = runtime.miniprograms.store.path_of(version.digest, ".zip")
    original = stored.read_bytes()

    # One byte changed where the package is kept (a compromised disk or CDN).
    stored.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    context, page, _ = await open_container(chromium, server_url, app.app_id, user.access_token)
    await expect(page.locator("#status")).to_have_attribute("data-state", "refused")
    await expect(page.locator("#status")).to_have_text("无法打开这个小程序：程序包与摘要不符")
    assert await page.locator("#stage iframe").count() == 0
    await context.close()

    # The package is intact but its signature was not made by the host's key.
    stored.write_bytes(original)
    other = bytes(64)
    await AppVersion.filter(id=version.id).update(signature=base64.b64encode(other).decode())
    await runtime.redis.delete(ReleaseCache.key(app.app_id))  # the next resolution reads the row
    context, page, _ = await open_container(chromium, server_url, app.app_id, user.access_token)
    await expect(page.locator("#status")).to_have_text("无法打开这个小程序：程序包签名无效")
    assert await page.locator("#stage iframe").count() == 0
    await context.close()


async def test_without_a_token_the_container_says_to_sign_in(gql, sign_in, server_url, tmp_path, chromium):
    app = await publish_sample(gql, sign_in, server_url, tmp_path)

    context, page, errors = await open_container(chromium, server_url, app.app_id, None)
    await expect(page.locator("#status")).to_have_attribute("data-state", "refused")
    await expect(page.locator("#status")).to_have_text("无法打开这个小程序：请先登录超级 App")
    await expect(page.locator("#app-title")).to_have_text("Branches")
    assert await page.locator("#stage iframe").count() == 0
    await context.close()

    # A token the server no longer accepts (signed out, expired) is a session that ended; a
    # browser in a language the bank does not speak gets Chinese.
    context, page, _ = await open_container(chromium, server_url, app.app_id, "not-a-valid-token", locale="fr-FR")
    await expect(page.locator("#status")).to_have_text("无法打开这个小程序：登录已失效，请重新登录")
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    await context.close()

    context, page, _ = await open_container(chromium, server_url, app.app_id, None, locale="en-GB")
    await expect(page.locator("#status")).to_have_text(
        "This mini-program cannot be opened: sign in to the super-app first"
    )
    await context.close()
    assert errors == []


async def test_a_browser_set_to_english_gets_the_sheets_in_english(
    gql, sign_in, server_url, tmp_path, chromium, runtime
):
    app = await publish_sample(gql, sign_in, server_url, tmp_path)
    await gql(ICON, {"app": app.app_id, "icon": png(200, 200)}, token=app.developer.access_token)
    user = await sign_in("13900000002")
    account = await funded_account(runtime, user.user_id, 10_000)
    await runtime.ledger.pins.set_pin(user_id=user.user_id, pin="135790")
    context, page, errors = await open_container(chromium, server_url, app.app_id, user.access_token, locale="en-US")
    frame = page.frame_locator("#stage iframe")
    await expect(page.locator("body")).to_have_attribute("data-version", "1.0.0")
    assert await page.locator("html").get_attribute("lang") == "en"

    await frame.locator("#hello").click()
    await expect(page.locator("#consent")).to_be_visible()
    await expect(page.locator("#consent-ask")).to_have_text("wants to use your user info")
    await expect(page.locator("#consent-allow")).to_have_text("Allow")
    await expect(page.locator("#consent-deny")).to_have_text("Deny")
    await page.screenshot(path=tmp_path / "consent-en.png")
    await page.locator("#consent-allow").click()
    await expect(frame.locator("#out")).to_contain_text("hello:")

    order = await order_for(runtime, app.app_id, user.user_id, amount_fen=990, order_id="tea-1", description="Tea")
    await pay_in_frame(frame, order.prepay_id)
    await expect(page.locator("#payment-sheet")).to_be_visible()
    await expect(page.locator("#payment-amount")).to_have_text("9.90")
    await expect(page.locator("#payment-title")).to_have_text("Pay Branches")
    await expect(page.locator("#payment-icon")).to_be_visible()
    await expect(page.locator("#payment-sheet")).to_contain_text("Payment PIN")
    await expect(page.locator("#payment-confirm")).to_have_text("Pay")
    await page.screenshot(path=tmp_path / "payment-en.png")
    await page.locator("#payment-account").select_option(str(account.id))
    await page.locator("#payment-pin").fill("999999")  # wrong: the bridge's refusal is in English too
    await page.locator("#payment-confirm").click()
    await expect(frame.locator("#out")).to_have_text("refused: WRONG_PIN (The payment PIN is wrong.)")
    assert errors == []
    await context.close()
