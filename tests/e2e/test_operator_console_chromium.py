"""The operator console's work screens in Chromium: an operator (who also reviews) approves an
account opening held for manual review, sees their own content item offered to no one but
another reviewer and rejects someone else's with a reason, finds the new customer's account by
phone and freezes it with a reason, then reads the freeze in the audit log and runs the day's
settlement reconciliation against the card network (whose file differs by a fen). A credit
officer is offered lease financing alone and approves an application with a reason; a developer
and a customer see none of these screens, and the server refuses them the fields. axe-core clean
on every screen, no console error, screenshots in the tmp dir."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from identity.roles import Role
from tests.clearing.conftest import open_bank  # noqa: F401 - the fixture: the app beside the fake card network
from tests.clearing.support import TOP_UP
from tests.e2e.test_consoles_chromium import open_console
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.e2e.test_h5_chromium import accessibility_problems
from tests.kyc.conftest import engines  # noqa: F401 - the identity engines, loaded once
from tests.kyc.journey import Applicant
from tests.parks.support import build_world, leased_unit

pytestmark = pytest.mark.slow

CREATE = """mutation($input: ContentDraftInput!) { createContent(input: $input) {
  __typename ... on AuthoredContent { item { id } } ... on Error { message } } }"""
SUBMIT = "mutation($id: ID!) { submitContent(id: $id) { __typename } }"
OPERATOR_FIELDS = ("{ auditLog(first: 5) { nextBeforeSeq } }", '{ customerAccounts(phone: "13900000008") { __typename } }',
                   "{ accountOpeningReviewQueue { id } }", "{ leaseFinancingQueue { id } }")


async def in_review(bank, author, title: str) -> str:
    created = await bank.gql(CREATE, {"input": {"kind": "ARTICLE", "title": title, "topics": ["wealth"],
                                                "bodyHtml": "<p>每日理财早报</p>"}}, token=author.access_token)
    item = created["data"]["createContent"]["item"]["id"]
    assert (await bank.gql(SUBMIT, {"id": item}, token=author.access_token))["data"]["submitContent"]
    return item


async def screen(page, tab: str, title: str, tmp_path, name: str) -> None:
    await page.locator(f"#tab-{tab}").click()
    await expect(page.locator(f"#{tab}-title")).to_be_visible()
    await expect(page.locator(f"#{tab}-title")).to_have_text(title)
    await page.screenshot(path=tmp_path / f"operator-{name}-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == [], name


async def test_an_operator_reviews_freezes_with_a_reason_and_reads_it_in_the_audit_log(
    open_bank, chromium, engines, tmp_path  # noqa: F811
):
    bank = await open_bank(KYC_FACE_REVIEW_BELOW="0.99")  # every real face match lands in manual review
    applicant = Applicant(bank.gql, await bank.sign_in("13900000008"), engines)
    assert (await applicant.whole_journey())["state"] == "MANUAL_REVIEW"
    operator = await bank.sign_in("13900000009", Role.OPERATOR, Role.REVIEWER)
    author = await bank.sign_in("13900000007", Role.OPERATOR)
    theirs = await in_review(bank, author, "基金定投入门")
    mine = await in_review(bank, operator, "我写的存款利率解读")
    alice = await bank.customer("13900000003", balance=500_00)
    topped = await bank.gql(TOP_UP, alice.money(100_00, "operator-console-01"), token=alice.token)
    assert topped["data"]["topUp"]["__typename"] == "CardMovementStarted", topped
    await bank.network.amend(topped["data"]["topUp"]["movement"]["id"], amount=100_01)  # the network's file differs
    problems: list[str] = []

    context, page = await open_console(chromium, bank.url, operator.access_token, problems)
    tabs = page.locator("#operator-tabs button")
    await expect(tabs).to_have_text(["开户人工审核", "内容审核", "客户账户", "清算对账", "审计日志"])  # no financing
    await expect(page.locator("#kyc-queue li[data-id]")).to_have_count(1)
    await expect(page.locator("#kyc-queue")).to_contain_text("李**")
    await expect(page.locator("#kyc-queue")).to_contain_text("人脸比对分偏低")
    await page.screenshot(path=tmp_path / "operator-kyc-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#kyc-queue .reason").fill("人工核对证件照与自拍，确认本人")
    await page.locator("#kyc-queue .approve").click()
    await expect(page.locator("#kyc-status")).to_have_text("已通过，账户已开立")
    await expect(page.locator("#kyc-queue")).to_have_text("没有待人工审核的开户申请")
    assert (await applicant.status())["state"] == "OPENED"

    await screen(page, "content", "内容审核", tmp_path, "content")
    own = page.locator(f"#content-queue li[data-id='{mine}']")
    await expect(own.locator(".own-item")).to_have_text("这是你写的内容，须由其他审核员审核")
    assert await own.locator(".approve").count() == 0  # maker-checker: not offered to its author
    other = page.locator(f"#content-queue li[data-id='{theirs}']")
    await expect(other.locator(".reject")).to_be_disabled()  # a rejection needs its reason
    await other.locator(".reason").fill("收益表述不合规，请补充风险提示")
    await other.locator(".reject").click()
    await expect(page.locator("#content-status")).to_have_text("内容已驳回，原因已告知作者")
    await expect(page.locator(f"#content-queue li[data-id='{theirs}']")).to_have_count(0)

    await screen(page, "accounts", "客户账户", tmp_path, "accounts")
    await page.locator("#account-query").fill("13900000008")
    await page.locator("#find-accounts").click()
    row = page.locator("#customer-accounts tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("139****0008")
    await expect(row.locator(".status")).to_have_text("正常")
    number = (await row.locator("td").first.inner_text())
    assert "*********" in number  # the account number masked
    await row.locator(".reason").fill("客户来电挂失，临时冻结")
    await row.locator(".freeze").click()
    await expect(page.locator("#accounts-status")).to_have_text("账户已冻结")
    await expect(row.locator(".status")).to_have_text("已冻结")
    await page.screenshot(path=tmp_path / "operator-account-frozen-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    await screen(page, "audit", "审计日志", tmp_path, "audit")
    newest = page.locator("#audit-entries tbody tr").first
    await expect(newest).to_have_attribute("data-action", "ledger.account_frozen")
    await expect(newest).to_contain_text("冻结账户")
    await expect(newest).to_contain_text(f"user:{operator.user_id}")
    await expect(newest.locator(".detail")).to_have_text("active → frozen；原因：客户来电挂失，临时冻结")
    actions = await page.locator("#audit-entries tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions == ["ledger.account_frozen", "ledger.accounts_viewed", "content.reject", "kyc.manual_opened",
                       "content.submit", "content.submit"]  # the authors' submissions came first

    await screen(page, "reconciliation", "清算对账", tmp_path, "reconciliation")
    await page.locator("#reconcile").click()
    await expect(page.locator("#reconciliation-status")).to_have_text("对账发现差异")
    await expect(page.locator("#reconciliation-report")).to_contain_text("卡组织 1 笔，合计 ¥100.01；本行 1 笔")
    [mismatch] = await page.locator("#mismatches tbody tr").all()
    await expect(mismatch).to_contain_text("金额不符")
    await expect(mismatch).to_contain_text("¥100.00")
    await expect(mismatch).to_contain_text("¥100.01")
    await page.screenshot(path=tmp_path / "operator-reconciliation-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    await page.locator("#language").click()  # the same screens in English
    await expect(tabs).to_have_text(["Account openings to review", "Content review", "Customer accounts",
                                     "Settlement reconciliation", "Audit log"])
    await page.locator("#tab-audit").click()
    await expect(page.locator("#audit-entries tbody tr").first).to_contain_text("Account frozen")
    await page.screenshot(path=tmp_path / "operator-audit-en.png", full_page=True)
    assert await accessibility_problems(page) == []
    await context.close()
    assert problems == []


async def test_a_credit_officer_decides_financing_alone_and_others_see_no_operator_screen(
    open_bank, chromium, tmp_path  # noqa: F811
):
    bank = await open_bank()
    world = await build_world(bank.runtime)
    _, lease = await leased_unit(bank.runtime, world)
    applied = await bank.runtime.parks.apply_financing(by_user_id=world.tenant_admin, lease_id=lease.id,
                                                       amount=300_000_00, months=12, purpose="支付一年租金与押金",
                                                       documents=[])
    developer = await bank.sign_in("13900000101", Role.DEVELOPER)
    customer = await bank.sign_in("13900000001")
    officer = await bank.sign_in("13900000707", Role.CREDIT_OFFICER)
    problems: list[str] = []

    context, page = await open_console(chromium, bank.url, developer.access_token, problems)
    await expect(page.locator("#developer-title")).to_be_visible()
    assert await page.locator("#operator-tabs").count() == 0
    await context.close()
    context, page = await open_console(chromium, bank.url, customer.access_token, problems)
    await expect(page.locator("#no-console")).to_be_visible()
    assert await page.locator("#operator-tabs").count() == 0
    await context.close()
    # A credit officer is offered lease financing alone, and decides it with a reason.
    context, page = await open_console(chromium, bank.url, officer.access_token, problems)
    await expect(page.locator("#operator-tabs button")).to_have_text(["租金融资审批"])
    application = page.locator(f"#financing-queue li[data-id='{applied.id}']")
    await expect(application).to_contain_text("¥300000.00，12 个月")
    await expect(application).to_contain_text("支付一年租金与押金")
    await page.screenshot(path=tmp_path / "operator-financing-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await application.locator(".reason").fill("经营流水良好，同意授信")
    await application.locator(".approve").click()
    await expect(page.locator("#financing-status")).to_have_text("融资申请已批准")
    await expect(page.locator("#financing-queue")).to_have_text("没有待审批的融资申请")
    [decided] = await bank.runtime.parks.financing_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)
    assert (decided.status.value, decided.reason) == ("approved", "经营流水良好，同意授信")
    await context.close()
    assert problems == []

    for session in (developer, customer):
        for query in OPERATOR_FIELDS:
            refused = await bank.gql(query, token=session.access_token)
            assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
    for query in OPERATOR_FIELDS[:3]:  # the operators' and reviewers' fields, to a credit officer
        refused = await bank.gql(query, token=officer.access_token)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
