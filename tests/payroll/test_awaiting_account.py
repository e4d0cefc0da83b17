"""Employees without an account: invited by SMS (and inbox, if they use the app), their line
waits as awaiting_account, is paid when their Class II account opens, and past the deadline
the money goes back to the enterprise."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ledger.service import get_account
from miniprograms.payroll.models import PayrollBatch, PayrollLine
from miniprograms.payroll.service import BatchStatus, LineStatus
from openplatform.models import InboxMessage
from tests.payroll.support import batch_csv, employee_account, enterprise_with_payroll, id_number, roster_csv
from tests.payroll.test_batches import SALARY, approved

WITH_ACCOUNT, NEWCOMER, APP_USER = "13700000001", "13700000002", "13700000003"


async def _batch(runtime, sign_in):
    payroll = await enterprise_with_payroll(runtime, funds=10**9)
    paid_to = await employee_account((await sign_in(WITH_ACCOUNT)).user_id)
    app_user = await sign_in(APP_USER)  # uses the app, has no Class II account yet
    await runtime.payroll.import_roster(
        user_id=payroll.maker, enterprise_id=payroll.enterprise_id, commit=True,
        data=roster_csv([("王一", id_number(1), WITH_ACCOUNT, paid_to.number), ("李二", id_number(2), NEWCOMER, ""),
                         ("张三", id_number(3), APP_USER, "")]))
    batch = await approved(runtime, payroll, batch_csv([(id_number(n), "员工", *SALARY) for n in (1, 2, 3)]))
    await runtime.payroll.disbursement.pass_once()
    return payroll, batch, app_user


async def test_an_employee_without_an_account_is_invited_and_paid_when_it_opens(runtime, sign_in):
    payroll, batch, app_user = await _batch(runtime, sign_in)
    lines = {line.line_no: line for line in await PayrollLine.filter(batch_id=batch.id)}
    assert [lines[n].status for n in (1, 2, 3)] == [LineStatus.PAID, LineStatus.AWAITING_ACCOUNT,
                                                   LineStatus.AWAITING_ACCOUNT]
    assert (await PayrollBatch.get(id=batch.id)).status is BatchStatus.DISBURSING
    sms = await runtime.sms.latest_to(NEWCOMER)
    assert "北京示例科技有限公司" in sms and "二类账户" in sms
    invitation = await InboxMessage.get(user_id=app_user.user_id, topic="payroll.invitation")
    assert invitation.title == "您有一笔工资待领取"
    # invited once, however often the worker looks
    await runtime.payroll.disbursement.pass_once()
    assert await InboxMessage.filter(user_id=app_user.user_id, topic="payroll.invitation").count() == 1

    # when both open their Class II accounts (the newcomer signs up first)
    newcomer = await sign_in(NEWCOMER)
    accounts = [await employee_account(newcomer.user_id), await employee_account(app_user.user_id)]
    await runtime.payroll.disbursement.pass_once()

    # then their lines are paid and the batch is complete
    assert [(await get_account(account_id=a.id)).balance for a in accounts] == [1_000_000, 1_000_000]
    assert (await PayrollBatch.get(id=batch.id)).status is BatchStatus.COMPLETED
    assert [s.net for s in await runtime.payroll.payslips(user_id=newcomer.user_id)] == [1_000_000]


async def test_past_the_deadline_the_money_goes_back_to_the_enterprise(runtime, sign_in):
    payroll, batch, _ = await _batch(runtime, sign_in)
    before = (await get_account(account_id=payroll.account_id)).balance
    # given the deadline has passed
    await PayrollBatch.filter(id=batch.id).update(awaiting_deadline=datetime.now(timezone.utc) - timedelta(seconds=1))
    await runtime.payroll.disbursement.pass_once()
    finished = await PayrollBatch.get(id=batch.id)
    assert (finished.status, finished.paid_count) == (BatchStatus.PARTIALLY_SUCCEEDED, 1)
    returned = await PayrollLine.filter(batch_id=batch.id, status=LineStatus.RETURNED).count()
    assert returned == 2
    available = (await runtime.ledger.available_balances(account_ids=[payroll.account_id]))[payroll.account_id]
    assert available == before == (await get_account(account_id=payroll.account_id)).balance  # all released
    # an account opened later changes nothing: the line was returned
    await employee_account((await sign_in(NEWCOMER)).user_id)
    await runtime.payroll.disbursement.pass_once()
    assert await PayrollLine.filter(batch_id=batch.id, status=LineStatus.PAID).count() == 1
