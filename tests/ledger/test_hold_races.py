"""Holds under concurrency on PostgreSQL: captures and releases that race each other take
turns on the account's row lock, so a hold never gives out more than it reserved."""

import asyncio

import pytest

from ledger import errors
from ledger.models import Account, Hold as HoldRow
from ledger.reconcile import reconcile
from ledger.service import AccountKind, HoldStatus, InternalService
from tests.ledger.support import funded_account

SERVICE = InternalService("tests: racing captures")


@pytest.fixture
def environ(environ):
    """Ten pooled connections: the racing requests really run in separate transactions."""
    environ["DATABASE_URL"] += "?maxsize=10"
    return environ


@pytest.fixture
async def held(runtime):
    """An enterprise account of 100 yuan with all 100 held, and two payees."""
    funding = await funded_account(runtime, None, 100_00, kind=AccountKind.ENTERPRISE, name="funding")
    payees = [await funded_account(runtime, user, 0) for user in (1, 2)]
    hold = await runtime.ledger.place_hold(by=SERVICE, account_id=funding.id, amount=100_00, idempotency_key="race")
    return funding, payees, hold


def capture(runtime, hold, payee, amount, key, **extra):
    return runtime.ledger.capture_hold(by=SERVICE, hold_id=hold.id, amount=amount, to_account_id=payee.id,
                                       idempotency_key=key, **extra)


async def state(funding, payees, hold):
    accounts = [await Account.get(id=a.id) for a in (funding, *payees)]
    return [a.balance for a in accounts], accounts[0].held, await HoldRow.get(id=hold.id)


async def test_two_captures_racing_for_one_hold_give_out_no_more_than_it_holds(runtime, held):
    funding, payees, hold = held
    results = await asyncio.gather(capture(runtime, hold, payees[0], 60_00, "c-a"),
                                   capture(runtime, hold, payees[1], 60_00, "c-b"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["HoldExceeded", "PostedEntry"]
    balances, held_now, row = await state(funding, payees, hold)
    assert sorted(balances[1:]) == [0, 60_00] and balances[0] == 40_00
    assert (held_now, row.captured, row.remaining, row.status) == (40_00, 60_00, 40_00, HoldStatus.ACTIVE)
    assert (await reconcile()).clean


async def test_twenty_captures_racing_take_exactly_what_was_held(runtime, held):
    funding, payees, hold = held
    results = await asyncio.gather(*(capture(runtime, hold, payees[n % 2], 7_00, f"c-{n}") for n in range(20)),
                                   return_exceptions=True)
    succeeded = [r for r in results if not isinstance(r, Exception)]
    assert len(succeeded) == 14 and all(isinstance(r, errors.HoldExceeded) for r in results if r not in succeeded)
    balances, held_now, row = await state(funding, payees, hold)
    assert (balances[0], sum(balances[1:]), held_now, row.remaining) == (2_00, 98_00, 2_00, 2_00)
    assert (await reconcile()).clean


@pytest.mark.parametrize("attempt", range(4))  # the race can fall either way: each outcome must be whole
async def test_a_capture_racing_a_release_either_takes_its_part_or_finds_the_hold_released(runtime, held, attempt):
    funding, payees, hold = held
    captured, released = await asyncio.gather(capture(runtime, hold, payees[0], 30_00, "c-r"),
                                              runtime.ledger.release_hold(by=SERVICE, hold_id=hold.id),
                                              return_exceptions=True)
    balances, held_now, row = await state(funding, payees, hold)
    assert (held_now, row.remaining, released.remaining) == (0, 0, 0)
    if isinstance(captured, errors.HoldNotActive):  # the release came first
        assert (balances, row.status, row.released) == ([100_00, 0, 0], HoldStatus.RELEASED, 100_00)
    else:  # the capture came first; the release gave back the rest
        assert (balances, row.status, row.captured, row.released) == (
            [70_00, 30_00, 0], HoldStatus.CAPTURED, 30_00, 70_00)
    assert (await reconcile()).clean


async def test_fifty_retries_of_one_capture_make_one_entry(runtime, held):
    funding, payees, hold = held
    results = await asyncio.gather(*(capture(runtime, hold, payees[0], 25_00, "c-same") for _ in range(50)))
    assert len({r.id for r in results}) == 1 and sum(not r.replayed for r in results) == 1
    balances, held_now, row = await state(funding, payees, hold)
    assert (balances[:2], held_now, row.captured) == ([75_00, 25_00], 75_00, 25_00)


async def test_holds_racing_for_one_balance_reserve_no_more_than_it(runtime):
    funding = await funded_account(runtime, None, 100_00, kind=AccountKind.ENTERPRISE, name="funding")
    results = await asyncio.gather(
        *(runtime.ledger.place_hold(by=SERVICE, account_id=funding.id, amount=30_00, idempotency_key=f"h-{n}")
          for n in range(10)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 3
    assert all(isinstance(r, errors.InsufficientFunds) for r in results if isinstance(r, Exception))
    assert (await Account.get(id=funding.id)).held == 90_00
    assert (await reconcile()).clean
