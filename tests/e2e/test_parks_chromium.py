"""智慧园区 in Chromium through the container: a tenant's administrator searches listings and
asks to view a unit, pays a rent bill with the PIN typed in the container's own sheet and
reads the receipt, files a repair; the park's manager answers the enquiry from the desk.
Everything through bankGraphql, in Simplified Chinese (screenshots in the test's tmp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from identity.roles import Role
from ledger.models import Account
from superapp.demo import package_for
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.miniprogram_runtime.support import release
from tests.miniprogram_runtime.test_bank_graphql import first_party_app
from tests.parks.support import build_world, fund, leased_unit, unit

pytestmark = pytest.mark.slow
PACKAGE = Path(__file__).resolve().parents[2] / "miniprograms" / "parks" / "package"
PIN = "135790"


async def test_a_tenant_enquires_pays_rent_and_files_a_repair_and_the_manager_answers(
    gql, client, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    world = await build_world(runtime)
    await leased_unit(runtime, world, "A-1201", months=2, deposit=20_000_00)
    await unit(runtime, world, "A-1202", area_m2="88", use="office", rent_fen_per_m2_day=500)
    await fund(runtime, world, world.tenant, 100_000_00, "fund-tenant")
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, package_for(app.app_id, PACKAGE), "1.0.0")
    tenant = await sign_in("13900001021")
    await runtime.ledger.pins.set_pin(user_id=tenant.user_id, pin=PIN)

    context, page, errors = await open_container(chromium, server_url, app.app_id, tenant.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("h1")).to_have_text("智慧园区")
    await expect(frame.locator("#enterprise")).to_contain_text("深圳市云帆电子有限公司")
    await expect(frame.locator("#units")).to_contain_text("A-1202 · 办公 · 88.00 ㎡")
    await expect(frame.locator("#units")).not_to_contain_text("A-1201")  # leased: not on offer
    await frame.locator("#units .ask").first.click()
    await frame.locator("#enquiry-message").fill("请问可以周四下午看房吗？")
    await frame.locator("#enquiry-viewing").fill("2030-06-06T15:00")
    await frame.locator("#enquiry-send").click()
    await expect(frame.locator("#find-result")).to_have_text("咨询已提交，园区回复后会通知您")
    await expect(frame.locator("#enquiries")).to_contain_text("待回复 · 已预约看房")
    await page.screenshot(path=tmp_path / "parks-listings-zh-CN.png", full_page=True)

    await frame.locator(".tab[data-tab=bills]").click()
    await expect(frame.locator("#bill-list")).to_contain_text("2026-12 押金 ¥20000.00")
    await frame.locator("#bill-list .pay").first.click()
    await expect(page.locator("#pin-sheet")).to_be_visible()
    await expect(page.locator("#pin-purpose")).to_have_text("支付 2026-12 押金 ¥20000.00")
    await page.screenshot(path=tmp_path / "parks-pin-sheet-zh-CN.png")
    await page.locator("#pin-input").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(frame.locator("#bill-result")).to_have_text("支付成功")
    await expect(frame.locator("#receipt")).to_contain_text("电子回单")
    await expect(frame.locator("#receipt")).to_contain_text("收款方：深圳湾科技园运营有限公司")
    await expect(frame.locator("#bill-list")).to_contain_text("2026-12 押金 ¥20000.00 · 2026-12-01 到期 · 已支付")
    await page.screenshot(path=tmp_path / "parks-receipt-zh-CN.png", full_page=True)
    assert (await Account.get(id=world.tenant.account_id)).balance == 80_000_00

    await frame.locator(".tab[data-tab=repairs]").click()
    await expect(frame.locator("#r-unit option")).to_have_count(1)
    await frame.locator("#r-urgency").select_option("URGENT")
    await frame.locator("#r-description").fill("配电箱跳闸，整层断电")
    await frame.locator("#r-file").click()
    await expect(frame.locator("#repair-result")).to_contain_text("报修已提交")
    await expect(frame.locator("#tickets")).to_contain_text("紧急 · 待派单：配电箱跳闸，整层断电")
    await page.screenshot(path=tmp_path / "parks-repair-zh-CN.png", full_page=True)
    assert errors == []
    await context.close()

    manager = await sign_in("13900001002")
    context, page, errors = await open_container(chromium, server_url, app.app_id, manager.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("#desk-tab")).to_be_visible()
    await frame.locator("#desk-tab").click()
    await expect(frame.locator("#d-enquiries")).to_contain_text("请问可以周四下午看房吗？")
    await frame.locator("#d-enquiries .reply").fill("可以，周四 15:00 在 A 栋大堂见")
    await frame.locator("#d-enquiries .answer").click()
    await expect(frame.locator("#desk-result")).to_have_text("已回复")
    await expect(frame.locator("#d-enquiries")).to_contain_text("暂无待回复咨询")
    await page.screenshot(path=tmp_path / "parks-desk-zh-CN.png", full_page=True)
    assert errors == []
    await context.close()
