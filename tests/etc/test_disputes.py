"""A customer disputes a debit within the window; an operator refunds it or not."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
import pytest

from miniprograms.etc.service import DisputeStatus, EtcError, EtcErrorCode
from tests.etc.support import balance, driver_with_card, merchant_app, verified_driver


@pytest.fixture
async def paid(runtime, gql, sign_in):
    toll = await merchant_app(runtime, gql, sign_in)
    driver, card = await driver_with_card(runtime, "粤BD12345", balance=10_000)
    debit = await etc_service(runtime).debit(app_id=toll.app_id, plate="粤BD12345", amount=3_000, idempotency_key="d1")
    return toll, driver, debit


async def test_a_refunded_dispute_gives_the_money_back_once(runtime, paid):
    toll, driver, debit = paid
    dispute = await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="我没有经过这个收费站")
    assert [d.id for d in await etc_service(runtime).disputes()] == [dispute.id]
    resolved = await etc_service(runtime).resolve_dispute(operator_user_id=9, dispute_id=dispute.id, refund=True, note="核实")
    assert resolved.status is DisputeStatus.REFUNDED
    assert await balance(driver.account_id) == 10_000 and await balance(toll.account_id) == 0
    with pytest.raises(EtcError) as again:
        await etc_service(runtime).resolve_dispute(operator_user_id=9, dispute_id=dispute.id, refund=True)
    assert again.value.code is EtcErrorCode.DISPUTE_RESOLVED
    assert await balance(driver.account_id) == 10_000
    titles = [m.title for m in await runtime.openplatform.inbox(user_id=driver.user_id)]
    assert "ETC 申诉已退款 ¥30.00" in titles
    from audit import service as audit_log

    [logged] = await audit_log.records(subject=f"etc_dispute:{dispute.id}")
    assert (logged.actor, logged.action) == ("user:9", "etc.dispute_refunded")


async def test_a_rejected_dispute_moves_nothing(runtime, paid):
    toll, driver, debit = paid
    dispute = await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="金额不对")
    resolved = await etc_service(runtime).resolve_dispute(operator_user_id=9, dispute_id=dispute.id, refund=False)
    assert resolved.status is DisputeStatus.REJECTED
    assert await balance(driver.account_id) == 7_000 and await balance(toll.account_id) == 3_000


async def test_dispute_refusals(runtime, paid):
    toll, driver, debit = paid
    stranger = await verified_driver(runtime)
    with pytest.raises(EtcError) as other:
        await etc_service(runtime).dispute(user_id=stranger.user_id, debit_id=debit.id, reason="x")
    assert other.value.code is EtcErrorCode.DEBIT_NOT_FOUND
    await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="x")
    with pytest.raises(EtcError) as twice:
        await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="x")
    assert twice.value.code is EtcErrorCode.ALREADY_DISPUTED


async def test_past_the_window_a_dispute_is_refused(runtime, paid):
    from datetime import datetime, timedelta, timezone

    from miniprograms.etc.models import EtcDebit

    toll, driver, debit = paid
    await EtcDebit.filter(id=debit.id).update(created_at=datetime.now(timezone.utc) - timedelta(days=57))
    with pytest.raises(EtcError) as late:
        await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="x")
    assert late.value.code is EtcErrorCode.DISPUTE_WINDOW_CLOSED


async def test_a_merchant_that_spent_the_money_cannot_refund_yet(runtime, paid):
    from ledger.service import InternalService, open_account

    toll, driver, debit = paid
    dispute = await etc_service(runtime).dispute(user_id=driver.user_id, debit_id=debit.id, reason="x")
    payout = await open_account(owner_user_id=None, kind="settlement", name="merchant payout")
    await runtime.ledger.transfer(by=InternalService("settlement"), from_account_id=toll.account_id,
                                  to_account_id=payout.id, amount=3_000, idempotency_key="payout")
    with pytest.raises(EtcError) as refused:
        await etc_service(runtime).resolve_dispute(operator_user_id=9, dispute_id=dispute.id, refund=True)
    assert refused.value.code is EtcErrorCode.MERCHANT_CANNOT_REFUND
    assert await balance(driver.account_id) == 7_000
