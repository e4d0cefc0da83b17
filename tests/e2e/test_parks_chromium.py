"""智慧园区 in Chromium through the container: a tenant's administrator searches listings and
asks to view a unit, pays a rent bill with the PIN typed in the container's own sheet and
reads the receipt, applies for a parking permit and lease financing, opens payroll, files a repair with a photo chosen in the container (a phone's sideways
shot, stored upright and without its EXIF); the park's manager answers the enquiry from the desk.
Units' and tickets' photos show in the page, WebP from the bank's own server.
Everything through bankGraphql, in Simplified Chinese (screenshots in the test's tmp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from identity.roles import Role
from ledger.models import Account
from miniprograms.parks.models import RepairTicket
from superapp.demo import PAYROLL, package_for, publish_first_party
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.miniprogram_runtime.support import release
from tests.miniprogram_runtime.test_bank_graphql import first_party_app
from tests.parks.photos import sideways_photo_with_gps
from tests.parks.test_affairs import PARKING_FORM
from tests.parks.support import build_world, fund, leased_unit, unit

pytestmark = pytest.mark.slow
PACKAGE = Path(__file__).resolve().parents[2] / "miniprograms" / "parks" / "package"
PIN = "135790"


async def test_a_tenant_enquires_pays_rent_and_files_a_repair_and_the_manager_answers(
    gql, client, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    world = await build_world(runtime)
    await leased_unit(runtime, world, "A-1201", months=2, deposit=20_000_00)
    offered = await unit(runtime, world, "A-1202", area_m2="88", use="office", rent_fen_per_m2_day=500)
    await runtime.parks.add_unit_photo(by_user_id=world.manager, unit_id=offered.id, data=sideways_photo_with_gps())
    shot = tmp_path / "fault.jpg"
    shot.write_bytes(sideways_photo_with_gps(1200, 900))
    await fund(runtime, world, world.tenant, 100_000_00, "fund-tenant")
    await runtime.parks.define_affair_type(
        by_user_id=world.manager, park_id=world.park.id, code="parking_permit", name="停车证",
        form_schema=PARKING_FORM, steps=[{"name": "物业审核", "approvers": [world.technician]}])
    app = await first_party_app(gql, sign_in)
    staff = {role: await runtime.identity.ensure_user(phone=phone, roles=[role]) for phone, role in (
        ("13800000802", Role.DEVELOPER), ("13800000804", Role.REVIEWER), ("13800000805", Role.ADMIN))}
    payroll_id, _ = await publish_first_party(
        runtime, package=PAYROLL, name="薪资管家", category="finance", description="企业代发工资",
        developer_user=staff[Role.DEVELOPER], reviewer_user=staff[Role.REVIEWER], admin_user=staff[Role.ADMIN])
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, package_for(app.app_id, PACKAGE), "1.1.0")
    tenant = await sign_in("13900001021")
    await runtime.ledger.pins.set_pin(user_id=tenant.user_id, pin=PIN)

    context, page, errors = await open_container(chromium, server_url, app.app_id, tenant.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("h1")).to_have_text("智慧园区")
    await expect(frame.locator("#enterprise")).to_contain_text("深圳市云帆电子有限公司")
    await expect(frame.locator("#units")).to_contain_text("A-1202 · 办公 · 88.00 ㎡")
    await expect(frame.locator("#units")).not_to_contain_text("A-1201")  # leased: not on offer
    # The unit's photo, from the bank's own server (the CSP lets /parks/photos/ in, nothing else
    # of the bank's), upright, and WebP where the browser takes it.
    listed_photo = frame.locator("#units img.photo").first
    await expect(listed_photo).to_be_visible()
    await listed_photo.evaluate("img => img.decode()")
    size = await listed_photo.evaluate("img => [img.naturalWidth, img.naturalHeight, img.currentSrc]")
    assert size[0] < size[1], size  # portrait: the sideways landscape shot was turned
    assert "/parks/photos/" in size[2] and size[2].endswith(".webp"), size
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
    # A photo of the fault, picked in the container's own sheet: the page gets a fileId only.
    await frame.locator("#r-photo").click()
    await expect(page.locator("#image-sheet")).to_be_visible()
    await page.locator("#image-file").set_input_files(shot)
    await expect(frame.locator("#r-photo-count")).to_have_text("已添加 1 张照片")
    await frame.locator("#r-file").click()
    await expect(frame.locator("#repair-result")).to_contain_text("报修已提交")
    await expect(frame.locator("#tickets")).to_contain_text("紧急 · 待派单：配电箱跳闸，整层断电")
    thumb = frame.locator("#tickets img.thumb").first
    await expect(thumb).to_be_visible()
    await thumb.evaluate("img => img.decode()")
    assert await thumb.evaluate("img => img.naturalWidth") == 160
    filed = await RepairTicket.filter(description="配电箱跳闸，整层断电").first()
    stored = (await runtime.parks.ticket_photos(ticket_ids=[filed.id]))[filed.id]
    assert [(p.width, p.height) for p in stored] == [(900, 1200)]  # upright

    # Enterprise services: a park affair drawn from the operator's form, and lease financing.
    await frame.locator(".tab[data-tab=services]").click()
    await expect(frame.locator("#a-type option")).to_have_count(1)
    await frame.locator("#a-form input[data-field=plate]").fill("粤B12345")
    await frame.locator("#a-form input[data-field=months]").fill("6")
    await frame.locator("#a-apply").click()
    await expect(frame.locator("#services-result")).to_have_text("申请已提交：审核中（物业审核）")
    await expect(frame.locator("#affairs")).to_contain_text("停车证 · 审核中（物业审核）")
    await frame.locator("#f-amount").fill("300000")
    await frame.locator("#f-months").fill("24")
    await frame.locator("#f-purpose").fill("扩建产线，采购设备")
    await frame.locator("#f-apply").click()
    await expect(frame.locator("#financing-result")).to_have_text("融资申请已提交，信贷审批后会通知您")
    await expect(frame.locator("#financings")).to_contain_text("¥300000.00 · 24 个月 · 已提交，待信贷审批")
    await page.screenshot(path=tmp_path / "parks-services-zh-CN.png", full_page=True)
    # And payroll, the bank's own app, opens from here by its bank name, as the same customer.
    await frame.locator("#open-payroll").click()
    await expect(page).to_have_url(f"{server_url}/static/container.html?app={payroll_id}")
    await expect(page.locator("#app-title")).to_have_text("薪资管家")
    await expect(page.locator("body")).to_have_attribute("data-version", "1.1.0")
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
