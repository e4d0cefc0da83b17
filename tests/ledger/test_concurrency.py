"""Under concurrency no fen is lost or duplicated: PostgreSQL row locks, SQLite serialized."""

import asyncio

import pytest

from ledger import errors
from ledger.models import Account, JournalEntry, Posting
from ledger.service import AccountKind, open_account
from tests.ledger.engine import transfer


@pytest.fixture
def environ(environ):
    """Ten pooled connections, so on PostgreSQL ten transactions at a time contend for the locks."""
    environ["DATABASE_URL"] += "?maxsize=10"
    return environ


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def test_200_concurrent_debits_against_a_balance_covering_100(bank):
    wallet = await bank.customer_account(1, balance=100 * 25_00)
    toll = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="expressway toll")

    results = await asyncio.gather(
        *(
            transfer(from_account_id=wallet.id, to_account_id=toll.id, amount=25_00, idempotency_key=f"toll-{n}")
            for n in range(200)
        ),
        return_exceptions=True,
    )

    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, errors.InsufficientFunds)]
    assert (len(succeeded), len(refused)) == (100, 100)
    assert (await balance(wallet.id), await balance(toll.id)) == (0, 100 * 25_00)
    assert await Posting.filter(account_id=wallet.id, amount__lt=0).count() == 100
    assert sorted(leg.balance_after for r in succeeded for leg in r.legs if leg.account_id == wallet.id) == [
        n * 25_00 for n in range(100)
    ]


async def test_50_concurrent_retries_with_one_key_make_one_entry(bank):
    wallet = await bank.customer_account(1, balance=100_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="fuel station")

    results = await asyncio.gather(
        *(
            transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=30_00, idempotency_key="fuel-7")
            for _ in range(50)
        )
    )

    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await JournalEntry.filter(idempotency_key="fuel-7").count() == 1
    assert (await balance(wallet.id), await balance(shop.id)) == (70_00, 30_00)


async def test_transfers_both_ways_at_once_do_not_deadlock_and_conserve_money(bank):
    a = await bank.customer_account(1, kind=AccountKind.CLASS_ONE, balance=500_00)
    b = await bank.customer_account(1, kind=AccountKind.CLASS_ONE, balance=500_00)

    a_to_b = [(n % 7 + 1) * 1_00 for n in range(100)]
    b_to_a = [(n % 5 + 1) * 1_00 for n in range(100)]

    results = await asyncio.gather(
        *(
            transfer(from_account_id=x.id, to_account_id=y.id, amount=amount, idempotency_key=f"{x.id}->{y.id}:{n}")
            for n in range(100)
            for x, y, amount in ((a, b, a_to_b[n]), (b, a, b_to_a[n]))
        )
    )

    assert len(results) == 200
    assert await balance(a.id) == 500_00 - sum(a_to_b) + sum(b_to_a)
    assert await balance(a.id) + await balance(b.id) == 1000_00
    for account in (a, b):
        assert await balance(account.id) == sum(
            await Posting.filter(account_id=account.id).values_list("amount", flat=True)
        )


async def test_one_key_raced_over_unrelated_accounts_moves_money_once(bank):
    # Disjoint pairs take no common lock: the unique key itself decides the race.
    pairs = [(await bank.customer_account(10 + n, balance=10_00), await bank.customer_account(20 + n))
             for n in range(10)]

    results = await asyncio.gather(
        *(
            transfer(from_account_id=payer.id, to_account_id=payee.id, amount=1_00, idempotency_key="one-key")
            for payer, payee in pairs
        ),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, errors.IdempotencyConflict) for r in results) == 9
    assert sorted([await balance(payer.id) for payer, _ in pairs]) == [9_00] + [10_00] * 9
    assert await JournalEntry.filter(idempotency_key="one-key").count() == 1
