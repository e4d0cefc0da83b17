"""Many messages from the bank in one statement (a payroll chunk's payslips): each in its
customer's inbox with its own id, each announced live to its customer only, and none kept
when the caller's transaction rolls back."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from openplatform import errors
from openplatform.messages import MAX_NOTICES
from openplatform.models import InboxMessage
from openplatform.service import Notice, tell_customers


def payslip(user_id: int, n: int) -> Notice:
    return Notice(user_id=user_id, topic="payroll.payslip", title=f"工资条 {n}", body=f"第 {n} 条")


async def test_each_notice_reaches_its_own_inbox_and_its_own_subscriber(runtime):
    async with runtime.broker.subscribe("inbox:501") as first, runtime.broker.subscribe("inbox:502") as second:
        async with in_transaction():
            await tell_customers([payslip(501, 1), payslip(502, 2), payslip(501, 3)])
        heard_first = [await asyncio.wait_for(anext(first), 5) for _ in range(2)]
        heard_second = await asyncio.wait_for(anext(second), 5)
    rows = {row.id: row for row in await InboxMessage.filter(user_id__in=[501, 502])}
    assert sorted((rows[e["id"]].user_id, rows[e["id"]].title) for e in heard_first) == [(501, "工资条 1"),
                                                                                            (501, "工资条 3")]
    assert (rows[heard_second["id"]].user_id, rows[heard_second["id"]].body) == (502, "第 2 条")
    inbox = await runtime.openplatform.inbox(user_id=501)
    assert [m.title for m in inbox] == ["工资条 3", "工资条 1"] and all(m.kind.value == "TRANSACTIONAL" for m in inbox)


async def test_the_notices_roll_back_with_the_callers_transaction(runtime):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await tell_customers([payslip(503, n) for n in range(5)])
            raise RuntimeError("the payment beside them failed")
    assert not await InboxMessage.filter(user_id=503).exists()


async def test_bad_notices_are_refused_before_anything_is_written(runtime):
    with pytest.raises(errors.InvalidArgument):
        await tell_customers([payslip(504, 1), Notice(user_id=504, topic="payroll.payslip", title=" ", body="x")])
    with pytest.raises(errors.InvalidArgument):
        await tell_customers([payslip(504, 1), Notice(user_id=504, topic="no spaces allowed", title="t", body="b")])
    with pytest.raises(errors.InvalidArgument):
        await tell_customers([payslip(504, n) for n in range(MAX_NOTICES + 1)])
    assert not await InboxMessage.filter(user_id=504).exists()
    await tell_customers([])
