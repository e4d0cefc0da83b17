"""Money moves as balanced journal entries, once per idempotency key, never below zero."""

import pytest

from ledger import errors
from ledger.models import Account, JournalEntry, Posting
from ledger.service import AccountKind, Leg, close_account, freeze_account, open_account, unfreeze_account
from tests.ledger.engine import post_entry, reverse_entry, transfer


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def test_a_transfer_is_one_entry_of_two_postings_summing_to_zero(bank):
    payer = await bank.customer_account(1, balance=50_00)
    payee = await bank.customer_account(2)

    entry = await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=12_34, idempotency_key="t-1")

    assert [(leg.account_id, leg.amount, leg.balance_after) for leg in entry.legs] == [
        (payer.id, -12_34, 37_66), (payee.id, 12_34, 12_34),
    ]
    assert (await balance(payer.id), await balance(payee.id)) == (37_66, 12_34)
    stored = await Posting.filter(entry_id=entry.id).values_list("amount", flat=True)
    assert sum(stored) == 0 and len(stored) == 2


async def test_a_retry_with_the_same_key_returns_the_original_and_moves_nothing(bank):
    payer = await bank.customer_account(1, balance=50_00)
    payee = await bank.customer_account(2)
    first = await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=10_00, idempotency_key="t-1")

    again = await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=10_00, idempotency_key="t-1")

    assert again.id == first.id and again.replayed and not first.replayed
    assert (await balance(payer.id), await balance(payee.id)) == (40_00, 10_00)
    assert await JournalEntry.filter(idempotency_key="t-1").count() == 1


async def test_the_same_key_with_another_amount_is_a_conflict(bank):
    payer = await bank.customer_account(1, balance=50_00)
    payee = await bank.customer_account(2)
    await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=10_00, idempotency_key="t-1")

    with pytest.raises(errors.IdempotencyConflict):
        await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=11_00, idempotency_key="t-1")
    assert await balance(payer.id) == 40_00


async def test_a_customer_account_never_goes_below_zero_but_settlement_may(bank):
    payer = await bank.customer_account(1, balance=5_00)
    payee = await bank.customer_account(2)

    with pytest.raises(errors.InsufficientFunds) as caught:
        await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=5_01, idempotency_key="t-1")

    assert (caught.value.balance, caught.value.requested) == (5_00, 5_01)
    assert (await balance(payer.id), await balance(payee.id)) == (5_00, 0)
    assert await JournalEntry.filter(idempotency_key="t-1").count() == 0
    assert await balance(bank.settlement.id) == -5_00


async def test_an_enterprise_account_has_no_overdraft(bank):
    payroll = await open_account(owner_user_id=None, kind=AccountKind.ENTERPRISE, name="Acme payroll")
    employee = await bank.customer_account(3)

    with pytest.raises(errors.InsufficientFunds):
        await transfer(from_account_id=payroll.id, to_account_id=employee.id, amount=1, idempotency_key="pay-1")


async def test_postings_that_do_not_sum_to_zero_are_refused(bank):
    a = await bank.customer_account(1, balance=10_00)
    b = await bank.customer_account(2)

    with pytest.raises(errors.InvalidRequest) as caught:
        await post_entry(legs=[Leg(a.id, -10_00), Leg(b.id, 9_99)], idempotency_key="bad")
    assert caught.value.field == "legs"
    assert await JournalEntry.all().count() == 1  # only the funding


async def test_a_three_way_entry_splits_a_payment_and_its_fee(bank):
    customer = await bank.customer_account(1, balance=100_00)
    merchant = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="car wash")
    fees = await open_account(owner_user_id=None, kind=AccountKind.FEES, name="fees")

    await post_entry(
        legs=[Leg(customer.id, -30_00), Leg(merchant.id, 29_70), Leg(fees.id, 30)],
        idempotency_key="wash-1", kind="payment",
    )

    assert [await balance(x.id) for x in (customer, merchant, fees)] == [70_00, 29_70, 30]


async def test_a_reversal_is_a_new_entry_pointing_at_the_original(bank):
    payer = await bank.customer_account(1, balance=50_00)
    payee = await bank.customer_account(2)
    original = await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=20_00, idempotency_key="t-1")

    reversal = await reverse_entry(entry_id=original.id, idempotency_key="rev-1")

    assert reversal.reverses_id == original.id and reversal.id != original.id
    assert (await balance(payer.id), await balance(payee.id)) == (50_00, 0)
    assert await Posting.filter(entry_id=original.id).count() == 2  # the original is untouched
    with pytest.raises(errors.AlreadyReversed):
        await reverse_entry(entry_id=original.id, idempotency_key="rev-2")
    assert (await reverse_entry(entry_id=original.id, idempotency_key="rev-1")).id == reversal.id


async def test_a_frozen_account_neither_pays_nor_receives_until_unfrozen(bank):
    a = await bank.customer_account(1, balance=10_00)
    b = await bank.customer_account(2, balance=10_00)
    await freeze_account(account_id=a.id)

    for source, target in ((a, b), (b, a)):
        with pytest.raises(errors.AccountFrozen):
            await transfer(from_account_id=source.id, to_account_id=target.id, amount=1_00,
                           idempotency_key=f"f-{source.id}")
    await unfreeze_account(account_id=a.id)
    await transfer(from_account_id=a.id, to_account_id=b.id, amount=1_00, idempotency_key="after")

    assert (await balance(a.id), await balance(b.id)) == (9_00, 11_00)


async def test_an_account_closes_only_at_zero_and_then_takes_no_money(bank):
    a = await bank.customer_account(1, balance=10_00)
    b = await bank.customer_account(2)

    with pytest.raises(errors.BalanceNotZero):
        await close_account(account_id=a.id)
    await transfer(from_account_id=a.id, to_account_id=b.id, amount=10_00, idempotency_key="empty")
    closed = await close_account(account_id=a.id)

    assert closed.status.value == "closed" and closed.closed_at is not None
    with pytest.raises(errors.AccountClosed):
        await bank.fund(a.id, 1_00)


async def test_a_reversal_cannot_be_forged_through_post_entry(bank):
    a = await bank.customer_account(1, balance=10_00)
    b = await bank.customer_account(2)

    with pytest.raises(errors.InvalidRequest) as caught:
        await post_entry(legs=[Leg(a.id, -1_00), Leg(b.id, 1_00)], idempotency_key="fake", kind="reversal")

    assert caught.value.field == "kind"
