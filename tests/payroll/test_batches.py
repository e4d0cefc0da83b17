"""Salary batches: net = gross - deductions, one open batch per enterprise and period, one
batch per file or key; a checker who is not the maker approves with their PIN; the total is
held and each line paid once from the hold; failed lines retried, the rest released."""

from __future__ import annotations

import asyncio

import pytest

from ledger.models import Hold, JournalEntry
from ledger.service import EntryKind, freeze_account, get_account, unfreeze_account
from miniprograms.payroll.models import PayrollLine
from miniprograms.payroll.service import (
    BatchStatus, IdempotencyConflict, InsufficientFunds, LineStatus, MakerCannotApprove, NotPayrollMember,
    PendingBatchExists, RowProblem, RowsRefused, StepUpRequired, WrongPin, WrongState,
)
from openplatform.models import InboxMessage
from tests.payroll.support import (
    approver, batch_csv, csv_bytes, employee_account, enterprise_with_payroll, id_number, phone, roster_csv,
)

SALARY = (1_200_000, 100_000, 80_000, 20_000)  # 12,000 yuan gross; net 10,000


async def staffed(runtime, count: int = 3, funds: int = 10**9):
    """An enterprise whose roster has ``count`` employees, each with a Class II account (users 1..n)."""
    payroll = await enterprise_with_payroll(runtime, funds=funds)
    accounts = [await employee_account(n) for n in range(1, count + 1)]
    people = [(f"员工{'甲乙丙丁戊'[n % 5]}", id_number(n), phone(n), a.number) for n, a in enumerate(accounts, 1)]
    await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                        data=roster_csv(people), commit=True)
    return payroll, accounts


def salaries(count: int) -> bytes:
    return batch_csv([(id_number(n), "员工", *SALARY) for n in range(1, count + 1)])


async def uploaded(runtime, payroll, data: bytes, key: str = "2026-11-a", period: str = "2026-11"):
    return (await runtime.payroll.upload_batch(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                               period=period, idempotency_key=key, data=data)).batch


async def approved(runtime, payroll, data: bytes):
    batch = await uploaded(runtime, payroll, data)
    await runtime.payroll.submit(user_id=payroll.maker, batch_id=batch.id)
    return await runtime.payroll.approve(by=approver(payroll.checker), batch_id=batch.id)


async def test_lines_whose_net_is_not_gross_less_deductions_are_refused(runtime):
    payroll, _ = await staffed(runtime)
    data = csv_bytes([["身份证号", "应发工资", "社保", "公积金", "个税", "实发工资"],
                      [id_number(1), "\"12,000.00\"", "1000", "800", "200", "10000"],
                      [id_number(2), "12000", "1000", "800", "200", "10000.01"],
                      [id_number(3), "12000", "-5", "0", "0", "12005"],
                      [id_number(9), "100", "0", "0", "0", "100"]])
    with pytest.raises(RowsRefused) as refused:
        await uploaded(runtime, payroll, data)
    assert [(i.row, i.column, i.code) for i in refused.value.issues] == [
        (3, "net", RowProblem.NET_MISMATCH), (4, "social_insurance", RowProblem.BAD_AMOUNT),
        (5, "id_number", RowProblem.NOT_ON_ROSTER)]
    assert await PayrollLine.all().count() == 0


async def test_the_same_file_or_key_makes_one_batch_and_a_period_has_one_open_batch(runtime):
    payroll, _ = await staffed(runtime)
    first = await uploaded(runtime, payroll, salaries(3))
    assert (first.status, first.line_count, first.total_gross, first.total_net) == (
        BatchStatus.DRAFT, 3, 3_600_000, 3_000_000)
    assert first.total_deductions == 600_000
    # the same upload retried at once, under the same key or another: one batch
    retried = await asyncio.gather(*(uploaded(runtime, payroll, salaries(3), key=k) for k in ("2026-11-a", "x") * 4))
    assert {b.id for b in retried} == {first.id}
    with pytest.raises(IdempotencyConflict):
        await uploaded(runtime, payroll, salaries(2))
    with pytest.raises(PendingBatchExists) as pending:
        await uploaded(runtime, payroll, salaries(2), key="2026-11-b")
    assert pending.value.batch_id == first.id
    other_period = await uploaded(runtime, payroll, salaries(2), key="2026-12-a", period="2026-12")
    assert other_period.id != first.id
    await runtime.payroll.cancel(user_id=payroll.maker, batch_id=first.id)
    assert (await uploaded(runtime, payroll, salaries(2), key="2026-11-b")).line_count == 2


async def test_a_maker_never_approves_and_approval_needs_the_pin(runtime, sign_in):
    payroll, _ = await staffed(runtime)
    batch = await uploaded(runtime, payroll, salaries(3))
    with pytest.raises(WrongState):  # a draft is submitted first
        await runtime.payroll.approve(by=approver(payroll.checker), batch_id=batch.id)
    await runtime.payroll.submit(user_id=payroll.maker, batch_id=batch.id)
    with pytest.raises(NotPayrollMember):
        await runtime.payroll.approve(by=approver(payroll.maker), batch_id=batch.id)
    # a maker who is also a checker still cannot approve their own batch
    from ledger.service import EnterpriseRole, Operator, add_enterprise_member
    await add_enterprise_member(by=Operator(9000), enterprise_id=payroll.enterprise_id, user_id=payroll.maker,
                                role=EnterpriseRole.CHECKER)
    with pytest.raises(MakerCannotApprove):
        await runtime.payroll.approve(by=approver(payroll.maker), batch_id=batch.id)
    with pytest.raises(StepUpRequired):
        await runtime.payroll.approve(by=approver(payroll.checker, pin=None), batch_id=batch.id)
    with pytest.raises(WrongPin):
        await runtime.payroll.approve(by=approver(payroll.checker, pin="864209"), batch_id=batch.id)
    assert await Hold.all().count() == 0
    done = await runtime.payroll.approve(by=approver(payroll.checker), batch_id=batch.id)
    assert (done.status, done.checker_user_id) == (BatchStatus.APPROVED, payroll.checker)
    hold = await runtime.ledger.get_hold(hold_id=done.hold_id)
    assert (hold.account_id, hold.amount) == (payroll.account_id, 3_000_000)


async def test_an_approved_batch_is_paid_line_by_line_from_the_hold(runtime):
    payroll, accounts = await staffed(runtime)
    before = (await get_account(account_id=payroll.account_id)).balance
    batch = await approved(runtime, payroll, salaries(3))
    assert await InboxMessage.filter(topic="payroll.payslip").count() == 0  # nothing said before it is paid
    assert await runtime.payroll.disbursement.pass_once() == 3
    batch = await runtime.payroll.batch(user_id=payroll.checker, batch_id=batch.id)
    assert (batch.status, batch.paid_count, batch.paid_total) == (BatchStatus.COMPLETED, 3, 3_000_000)
    for account in accounts:
        assert (await get_account(account_id=account.id)).balance == 1_000_000
    assert (await get_account(account_id=payroll.account_id)).balance == before - 3_000_000
    assert (await runtime.ledger.available_balances(account_ids=[payroll.account_id]))[payroll.account_id] == \
        before - 3_000_000  # the hold is over
    entries = await JournalEntry.filter(kind=EntryKind.CAPTURE.value).values_list("idempotency_key", flat=True)
    assert sorted(entries) == [f"payroll:{batch.id}:row-{n}:1" for n in (2, 3, 4)]
    slips = await runtime.payroll.payslips(user_id=1)
    assert [(s.period, s.gross, s.net, s.enterprise_name) for s in slips] == [
        ("2026-11", 1_200_000, 1_000_000, "北京示例科技有限公司")]
    assert await runtime.payroll.payslips(user_id=2) != [] and await runtime.payroll.payslips(user_id=99) == []
    notice = await InboxMessage.filter(user_id=1, topic="payroll.payslip").first()
    assert notice.title == "2026-11 工资条" and "10,000.00" in notice.body


async def test_two_checkers_approving_at_once_make_one_disbursement(runtime):
    payroll, accounts = await staffed(runtime)
    batch = await uploaded(runtime, payroll, salaries(3))
    await runtime.payroll.submit(user_id=payroll.maker, batch_id=batch.id)
    results = await asyncio.gather(
        *(runtime.payroll.approve(by=approver(c), batch_id=batch.id) for c in (payroll.checker, payroll.checker2) * 3),
        return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, WrongState) for r in results if isinstance(r, Exception))
    assert await Hold.filter(account_id=payroll.account_id).count() == 1
    await asyncio.gather(runtime.payroll.disbursement.pass_once(), runtime.payroll.disbursement.pass_once())
    assert await JournalEntry.filter(kind=EntryKind.CAPTURE.value).count() == 3
    for account in accounts:
        assert (await get_account(account_id=account.id)).balance == 1_000_000


async def test_a_batch_beyond_the_money_is_not_approved(runtime):
    payroll, _ = await staffed(runtime, funds=2_000_000)
    batch = await uploaded(runtime, payroll, salaries(3))
    await runtime.payroll.submit(user_id=payroll.maker, batch_id=batch.id)
    with pytest.raises(InsufficientFunds) as short:
        await runtime.payroll.approve(by=approver(payroll.checker), batch_id=batch.id)
    assert (short.value.needed, short.value.available) == (3_000_000, 2_000_000)
    assert (await runtime.payroll.batch(user_id=payroll.maker, batch_id=batch.id)).status is BatchStatus.SUBMITTED
    from tests.ledger.support import deposit
    await deposit(runtime, payroll.account_id, 1_000_000)
    assert (await runtime.payroll.approve(by=approver(payroll.checker), batch_id=batch.id)).status \
        is BatchStatus.APPROVED


async def test_failed_lines_are_retried_alone_and_the_rest_is_released(runtime):
    payroll, accounts = await staffed(runtime)
    before = (await get_account(account_id=payroll.account_id)).balance
    await freeze_account(account_id=accounts[1].id)
    batch = await approved(runtime, payroll, salaries(3))
    await runtime.payroll.disbursement.pass_once()
    batch = await runtime.payroll.batch(user_id=payroll.maker, batch_id=batch.id)
    assert (batch.status, batch.paid_count) == (BatchStatus.PARTIALLY_SUCCEEDED, 2)
    failed = await PayrollLine.get(batch_id=batch.id, status=LineStatus.FAILED)
    assert failed.failure == "ACCOUNT_FROZEN"
    # what was not paid went back: only the two paid lines left the enterprise
    available = (await runtime.ledger.available_balances(account_ids=[payroll.account_id]))[payroll.account_id]
    assert available == before - 2_000_000
    report = await runtime.payroll.report_csv(user_id=payroll.checker, batch_id=batch.id)
    assert report.count("已发放") == 2 and "收款账户已冻结" in report
    assert id_number(1) not in report and "员*" in report
    await unfreeze_account(account_id=accounts[1].id)
    with pytest.raises(NotPayrollMember):  # retrying moves money: a checker's act, with the PIN
        await runtime.payroll.retry_failed(by=approver(payroll.maker), batch_id=batch.id)
    retried = await runtime.payroll.retry_failed(by=approver(payroll.checker2), batch_id=batch.id)
    assert retried.status is BatchStatus.APPROVED
    await runtime.payroll.disbursement.pass_once()
    batch = await runtime.payroll.batch(user_id=payroll.maker, batch_id=batch.id)
    assert (batch.status, batch.paid_count) == (BatchStatus.COMPLETED, 3)
    assert [(await get_account(account_id=a.id)).balance for a in accounts] == [1_000_000] * 3
    assert (await get_account(account_id=payroll.account_id)).balance == before - 3_000_000
    keys = await JournalEntry.filter(kind=EntryKind.CAPTURE.value).values_list("idempotency_key", flat=True)
    assert sorted(keys) == sorted([f"payroll:{batch.id}:row-2:1", f"payroll:{batch.id}:row-3:2",
                                   f"payroll:{batch.id}:row-4:1"])
