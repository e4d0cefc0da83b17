"""A refused movement stays refused under its idempotency key: a retry never turns into money moved."""

import asyncio

import pytest

from ledger import errors
from ledger.models import Account, DeclinedRequest, JournalEntry
from ledger.service import AccountKind, freeze_account, open_account, transfer, unfreeze_account


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def test_a_retry_after_the_money_arrived_gets_the_original_refusal(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="toll station")
    with pytest.raises(errors.InsufficientFunds) as first:
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-9")

    await bank.fund(wallet.id, 50_00)  # the customer tops up, and the app retries with the same key
    with pytest.raises(errors.InsufficientFunds) as retry:
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-9")

    assert (retry.value.balance, retry.value.requested) == (first.value.balance, first.value.requested) == (10_00, 30_00)
    assert (await balance(wallet.id), await balance(shop.id)) == (60_00, 0)
    assert await JournalEntry.filter(idempotency_key="toll-9").count() == 0
    # A new attempt takes a new key, and then the money moves.
    await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-10")
    assert (await balance(wallet.id), await balance(shop.id)) == (30_00, 30_00)


async def test_a_refused_key_with_another_request_is_a_conflict(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    other = await bank.customer_account(2)
    await freeze_account(account_id=wallet.id)
    with pytest.raises(errors.AccountFrozen):
        await transfer(from_account_id=wallet.id, to_account_id=other.id, amount=5_00, idempotency_key="k-1")
    await unfreeze_account(account_id=wallet.id)

    with pytest.raises(errors.IdempotencyConflict):
        await transfer(from_account_id=wallet.id, to_account_id=other.id, amount=6_00, idempotency_key="k-1")
    with pytest.raises(errors.AccountFrozen):  # the same request: the same answer, though unfrozen now
        await transfer(from_account_id=wallet.id, to_account_id=other.id, amount=5_00, idempotency_key="k-1")
    assert await balance(wallet.id) == 10_00


async def test_concurrent_retries_of_a_refused_request_all_get_the_refusal_while_money_arrives(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="fuel station")

    async def attempt():
        try:
            await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="fuel-1")
        except errors.InsufficientFunds:
            return "refused"
        return "moved"

    outcomes = await asyncio.gather(*(attempt() for _ in range(20)), bank.fund(wallet.id, 100_00))

    # Whichever ran first decided for the key: either every attempt moved money once, or none did.
    answers = set(outcomes[:20])
    assert len(answers) == 1
    moved = answers == {"moved"}
    assert await JournalEntry.filter(idempotency_key="fuel-1").count() == (1 if moved else 0)
    assert await DeclinedRequest.filter(idempotency_key="fuel-1").count() == (0 if moved else 1)
    assert await balance(shop.id) == (30_00 if moved else 0)
