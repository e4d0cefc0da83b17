"""Class II accounts enforce per-transaction, daily and yearly outbound limits."""

from datetime import datetime, timedelta, timezone

import pytest

from ledger import errors
from ledger.limits import ClassTwoLimits, allowance, window_starts
from ledger.models import Account, Posting
from ledger.service import AccountKind, available_limits, open_account
from tests.ledger.engine import reverse_entry, transfer

YUAN = 100


async def test_the_defaults_follow_the_pboc_rules_for_class_two():
    assert ClassTwoLimits() == ClassTwoLimits(per_transaction=10_000 * YUAN, daily=10_000 * YUAN, yearly=200_000 * YUAN)


async def test_a_daily_limit_counts_consumption_and_transfers_and_says_what_remains(bank):
    limits = ClassTwoLimits(per_transaction=3_000 * YUAN, daily=5_000 * YUAN, yearly=200_000 * YUAN)
    wallet = await bank.customer_account(1, balance=20_000 * YUAN)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="shop")
    own_card = await bank.customer_account(1, kind=AccountKind.CLASS_ONE)
    await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=2_000 * YUAN,
                   idempotency_key="buy", kind="payment", limits=limits)
    await transfer(from_account_id=wallet.id, to_account_id=own_card.id, amount=2_500 * YUAN,
                   idempotency_key="out", limits=limits)

    with pytest.raises(errors.LimitExceeded) as caught:
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=501 * YUAN,
                       idempotency_key="too-much", limits=limits)

    assert (caught.value.limit, caught.value.limit_amount, caught.value.remaining) == ("daily", 5_000 * YUAN, 500 * YUAN)
    assert (await Account.get(id=wallet.id)).balance == 15_500 * YUAN
    left = await available_limits(account_id=wallet.id, limits=limits)
    assert (left.per_transaction, left.daily_remaining, left.next_transaction) == (3_000 * YUAN, 500 * YUAN, 500 * YUAN)


async def test_one_transaction_above_the_per_transaction_limit_is_refused(bank):
    limits = ClassTwoLimits(per_transaction=1_000 * YUAN, daily=10_000 * YUAN, yearly=200_000 * YUAN)
    wallet = await bank.customer_account(1, balance=5_000 * YUAN)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="shop")

    with pytest.raises(errors.LimitExceeded) as caught:
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=1_000 * YUAN + 1,
                       idempotency_key="big", limits=limits)

    assert (caught.value.limit, caught.value.remaining) == ("per_transaction", 1_000 * YUAN)


async def test_the_yearly_limit_is_checked_after_the_daily_one(bank):
    limits = ClassTwoLimits(per_transaction=1_000 * YUAN, daily=1_000 * YUAN, yearly=1_500 * YUAN)
    wallet = await bank.customer_account(1, balance=5_000 * YUAN)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="shop")
    await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=800 * YUAN, idempotency_key="a", limits=limits)
    # Loosen the daily limit as an operator would; the yearly one still binds.
    looser = ClassTwoLimits(per_transaction=1_000 * YUAN, daily=5_000 * YUAN, yearly=1_500 * YUAN)

    with pytest.raises(errors.LimitExceeded) as caught:
        await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=800 * YUAN, idempotency_key="b", limits=looser)

    assert (caught.value.limit, caught.value.remaining) == ("yearly", 700 * YUAN)


async def test_money_coming_in_and_reversals_do_not_use_the_limit(bank):
    limits = ClassTwoLimits(per_transaction=1_000 * YUAN, daily=1_000 * YUAN, yearly=10_000 * YUAN)
    wallet = await bank.customer_account(1, balance=900 * YUAN)
    payer = await bank.customer_account(2, kind=AccountKind.CLASS_ONE, balance=900 * YUAN)
    incoming = await transfer(from_account_id=payer.id, to_account_id=wallet.id, amount=900 * YUAN,
                              idempotency_key="in", limits=limits)

    await reverse_entry(entry_id=incoming.id, idempotency_key="undo-in")

    left = await available_limits(account_id=wallet.id, limits=limits)
    assert left.daily_remaining == 1_000 * YUAN


async def test_only_class_two_accounts_have_limits(bank):
    card = await bank.customer_account(1, kind=AccountKind.CLASS_ONE, balance=50_000 * YUAN)
    other = await bank.customer_account(2, kind=AccountKind.CLASS_ONE)

    await transfer(from_account_id=card.id, to_account_id=other.id, amount=20_000 * YUAN, idempotency_key="big")

    assert await available_limits(account_id=card.id, limits=ClassTwoLimits()) is None


def test_days_and_years_turn_over_at_midnight_in_shanghai():
    # 16:30 UTC on 31 December is already 00:30 on 1 January in Shanghai.
    day, year = window_starts(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc))
    assert (day.isoformat(), year.isoformat()) == ("2027-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00")
    day, year = window_starts(datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc))
    assert (day.isoformat(), year.isoformat()) == ("2026-12-31T00:00:00+08:00", "2026-01-01T00:00:00+08:00")


def test_a_limit_must_be_a_positive_number_of_fen():
    with pytest.raises(ValueError):
        ClassTwoLimits(daily=0)


async def test_spending_counts_until_midnight_in_shanghai_and_not_after(bank):
    limits = ClassTwoLimits()
    wallet = await bank.customer_account(1, balance=500 * YUAN)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="shop")
    await transfer(from_account_id=wallet.id, to_account_id=shop.id, amount=300 * YUAN, idempotency_key="spend")
    spent_at = (await Posting.get(account_id=wallet.id, amount=-300 * YUAN)).created_at
    next_midnight = window_starts(spent_at)[0] + timedelta(days=1)

    before = await allowance(account_id=wallet.id, limits=limits, now=next_midnight - timedelta(microseconds=1))
    after = await allowance(account_id=wallet.id, limits=limits, now=next_midnight)

    assert before.daily_remaining == limits.daily - 300 * YUAN
    assert after.daily_remaining == limits.daily
    new_year = next_midnight.month == 1 and next_midnight.day == 1
    assert after.yearly_remaining == limits.yearly - (0 if new_year else 300 * YUAN)
