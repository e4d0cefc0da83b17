"""A refused movement stays refused under its idempotency key: a retry never turns into money moved."""

import asyncio

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from ledger import errors
from ledger.models import Account, DeclinedRequest, JournalEntry
from ledger.service import AccountKind, freeze_account, open_account, unfreeze_account
from tests.ledger.engine import transfer


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


async def test_a_decline_is_stored_under_its_stable_code(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="toll station")
    with pytest.raises(errors.InsufficientFunds):
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-9")
    await freeze_account(account_id=wallet.id)
    with pytest.raises(errors.AccountFrozen):
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=1_00, idempotency_key="toll-10")

    _, rows = await connections.get("default").execute_query(
        "SELECT idempotency_key, code FROM ledger_declined_request ORDER BY idempotency_key"
    )
    assert [(row["idempotency_key"], row["code"]) for row in rows] == [
        ("toll-10", "ACCOUNT_FROZEN"), ("toll-9", "INSUFFICIENT_FUNDS"),
    ]
    assert (await DeclinedRequest.get(idempotency_key="toll-9")).code is errors.DeclineCode.INSUFFICIENT_FUNDS


async def test_the_callers_rows_stand_or_fall_with_the_entry(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="car wash")

    async def receipt_then_failure(entry):
        await open_account(owner_user_id=None, kind=AccountKind.SUSPENSE, name=f"receipt {entry.id}",
                           idempotency_key="receipt-1")
        raise RuntimeError("the caller's own work failed")

    with pytest.raises(RuntimeError):
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=3_00, idempotency_key="wash-1",
                       also_write=receipt_then_failure)
    assert (await balance(wallet.id), await balance(shop.id)) == (10_00, 0)
    assert not await Account.exists(opening_key="receipt-1")
    assert await JournalEntry.filter(idempotency_key="wash-1").count() == 0
    assert await DeclinedRequest.filter(idempotency_key="wash-1").count() == 0

    written = []

    async def receipt(entry):
        written.append(await open_account(owner_user_id=None, kind=AccountKind.SUSPENSE, name=f"receipt {entry.id}",
                                          idempotency_key="receipt-2"))

    entry = await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=3_00, idempotency_key="wash-1",
                           also_write=receipt)
    again = await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=3_00, idempotency_key="wash-1",
                           also_write=receipt)
    assert [a.name for a in written] == [f"receipt {entry.id}"]  # not again for the retry
    assert again.replayed and again.id == entry.id
    assert (await balance(wallet.id), await balance(shop.id)) == (7_00, 3_00)


async def test_a_movement_inside_the_callers_transaction_is_refused(bank):
    wallet = await bank.customer_account(1, balance=10_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="toll station")

    # The caller's rollback would take the remembered refusal with it: the ledger refuses to start.
    with pytest.raises(errors.InsideCallersTransaction):
        async with in_transaction():
            await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-9")

    assert await DeclinedRequest.all().count() == 0
    with pytest.raises(errors.InsufficientFunds):
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="toll-9")
    assert await DeclinedRequest.filter(idempotency_key="toll-9").count() == 1
