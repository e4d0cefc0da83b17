"""Payroll in Chromium, through the package seed-demo publishes: a maker imports a roster
and uploads a salary file, a checker approves it with the PIN in the container's sheet, an
employee reads the payslip; everything on screen in Simplified Chinese (screenshots in the
test's tmp dir)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from identity.roles import Role
from ledger.service import EnterpriseRole, Operator, add_enterprise_member, open_enterprise
from superapp.demo import PAYROLL, publish_first_party
from tests.e2e.test_container_chromium import chromium, open_container  # noqa: F401 (fixture)
from tests.ledger.support import PIN, deposit
from tests.payroll.support import CCB, batch_csv, employee_account, id_number, roster_csv

pytestmark = pytest.mark.slow


async def test_maker_uploads_checker_approves_employee_reads_the_payslip(
    gql, sign_in, server_url, tmp_path, chromium, runtime  # noqa: F811
):
    # given the bank's Payroll app published through the host's pipeline, as seed-demo does
    staff = {role: await runtime.identity.ensure_user(phone=phone, roles=[role]) for phone, role in (
        ("13800000802", Role.DEVELOPER), ("13800000804", Role.REVIEWER), ("13800000805", Role.ADMIN))}
    app_id, _ = await publish_first_party(
        runtime, package=PAYROLL, name="薪资管家", category="finance", description="企业代发工资",
        developer_user=staff[Role.DEVELOPER], reviewer_user=staff[Role.REVIEWER], admin_user=staff[Role.ADMIN])
    # and an enterprise with a maker, a checker and an employee with a Class II account
    maker, checker, employee = (await sign_in("13900000402"), await sign_in("13900000403"),
                                await sign_in("13700000001"))
    enterprise = await open_enterprise(by=Operator(1), name="杭州示例网络有限公司", credit_code=CCB)
    for session, role in ((maker, EnterpriseRole.MAKER), (checker, EnterpriseRole.CHECKER)):
        await add_enterprise_member(by=Operator(1), enterprise_id=enterprise.id, user_id=session.user_id, role=role)
    await runtime.ledger.pins.set_pin(user_id=checker.user_id, pin=PIN)
    await deposit(runtime, enterprise.account_id, 5_000_000)
    account = await employee_account(employee.user_id)

    # the maker imports the roster and uploads November's salaries
    context, page, errors = await open_container(chromium, server_url, app_id, maker.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("#status")).to_have_text("就绪")
    await frame.locator("#roster-file").set_input_files(files=[{
        "name": "花名册.csv", "mimeType": "text/csv",
        "buffer": roster_csv([("陈静", id_number(1), "13700000001", "")]).decode().encode("gbk")}])
    await frame.locator("#roster-import").click()
    await expect(frame.locator("#status")).to_have_text("花名册已导入：新增 1 人")
    await frame.locator("#batch-file").set_input_files(files=[{
        "name": "工资表.csv", "mimeType": "text/csv",
        "buffer": batch_csv([(id_number(1), "陈静", 1_200_000, 100_000, 80_000, 20_000)])}])
    await frame.locator("#batch-upload").click()
    await expect(frame.locator("#batch-totals")).to_have_text(
        "2026-11 共 1 人：应发 ¥12,000.00，扣款 ¥2,000.00，实发 ¥10,000.00")
    await page.screenshot(path=tmp_path / "payroll-maker-review.png")
    await frame.locator("#batch-submit").click()
    await expect(frame.locator("#status")).to_have_text("已提交审批")
    assert errors == []
    await context.close()

    # the checker approves it, typing the PIN in the container's own sheet
    context, page, errors = await open_container(chromium, server_url, app_id, checker.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("#pending li")).to_contain_text("2026-11 共 1 人，实发合计 ¥10,000.00")
    await frame.locator("#pending .approve").click()
    await expect(page.locator("#pin-sheet")).to_be_visible()
    await expect(page.locator("#pin-purpose")).to_have_text("审批 2026-11 工资批次")
    await page.screenshot(path=tmp_path / "payroll-checker-pin.png")
    await page.locator("#pin-input").fill(PIN)
    await page.locator("#pin-confirm").click()
    await expect(frame.locator("#status")).to_have_text("已审批：2026-11 工资批次已审批，正在发放")
    assert errors == []
    await context.close()

    # the worker pays it; then the employee sees the payslip
    await runtime.payroll.disbursement.pass_once()
    context, page, errors = await open_container(chromium, server_url, app_id, employee.access_token)
    frame = page.frame_locator("#stage iframe")
    await expect(frame.locator("#payslips .slip")).to_have_text(
        "杭州示例网络有限公司 2026-11 实发 ¥10,000.00（应发 ¥12,000.00，社保 ¥1,000.00，公积金 ¥800.00，"
        f"个税 ¥200.00），已发放到尾号 {account.number[-4:]} 的账户")
    await expect(frame.locator("#maker")).to_be_hidden()
    await page.screenshot(path=tmp_path / "payroll-employee-payslip.png")
    assert errors == []
    await context.close()
