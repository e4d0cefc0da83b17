"""Holds: reserve an amount, capture part or all of it to a named account, or release it;
every other movement leaves held money alone; a hold may expire. Through LedgerService."""

from datetime import datetime, timedelta, timezone

import pytest

from ledger import errors
from ledger.models import Account, Hold as HoldRow, JournalEntry
from ledger.reconcile import reconcile
from ledger.service import AccountKind, Customer, EntryKind, HoldStatus, InternalService, open_account
from tests.ledger.support import deposit, funded_account, paying_customer

PAYROLL = InternalService("tests: payroll")
PARKING = InternalService("tests: car park pre-authorisation")


async def balances(*accounts):
    return [(await Account.get(id=a.id)).balance for a in accounts]


async def enterprise_account(runtime, amount):
    return await funded_account(runtime, None, amount, kind=AccountKind.ENTERPRISE, name="payroll funding")


async def test_held_money_cannot_leave_except_by_its_capture(runtime):
    # given an enterprise account of 1,000 yuan with 800 held for a payroll batch
    funding = await enterprise_account(runtime, 1_000_00)
    staff = [await funded_account(runtime, user, 0) for user in (11, 12)]
    hold = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=800_00,
                                           idempotency_key="batch-1:hold", memo="salaries November")
    assert (hold.status, hold.remaining, await runtime.ledger.available_balances(account_ids=[funding.id])) == (
        HoldStatus.ACTIVE, 800_00, {funding.id: 200_00})
    # when something else tries to take 300 of it, it is refused, the balance untouched
    with pytest.raises(errors.InsufficientFunds) as refused:
        await runtime.ledger.transfer(by=PAYROLL, from_account_id=funding.id, to_account_id=staff[0].id,
                                      amount=300_00, idempotency_key="not-payroll", kind=EntryKind.DEPOSIT)
    assert (refused.value.balance, refused.value.available) == (1_000_00, 200_00)
    # then the batch's lines are paid from the hold, and what is not paid goes back
    for n, (account, amount) in enumerate(zip(staff, (300_00, 350_00), strict=True)):
        await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=amount, to_account_id=account.id,
                                          idempotency_key=f"batch-1:line-{n}")
    released = await runtime.ledger.release_hold(by=PAYROLL, hold_id=hold.id)
    assert (released.status, released.captured, released.released, released.remaining) == (
        HoldStatus.CAPTURED, 650_00, 150_00, 0)
    assert await balances(funding, *staff) == [350_00, 300_00, 350_00]
    assert (await Account.get(id=funding.id)).held == 0
    entries = await JournalEntry.filter(hold_id=hold.id).order_by("id").values_list("kind", "memo")
    assert entries == [("capture", "salaries November")] * 2
    assert (await reconcile()).clean


async def test_a_final_capture_releases_the_rest(runtime, sign_in):
    # given a customer's car park pre-authorisation of 50 yuan, confirmed with their PIN
    wallet = await funded_account(runtime, 7, 80_00)
    car_park = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="car park")
    driver = await paying_customer(runtime, 7)
    hold = await runtime.ledger.place_hold(by=driver, account_id=wallet.id, amount=50_00, idempotency_key="entry-1",
                                           expires_at=datetime.now(timezone.utc) + timedelta(hours=24))
    # when the exit captures 12 yuan as final
    entry = await runtime.ledger.capture_hold(by=PARKING, hold_id=hold.id, amount=12_00, to_account_id=car_park.id,
                                              idempotency_key="exit-1", final=True)
    # then 12 moved, the rest is free again, and nothing more can be captured
    assert entry.kind == "capture" and await balances(wallet, car_park) == [68_00, 12_00]
    assert (await runtime.ledger.get_hold(hold_id=hold.id)).status is HoldStatus.CAPTURED
    assert await runtime.ledger.available_balances(account_ids=[wallet.id]) == {wallet.id: 68_00}
    with pytest.raises(errors.HoldNotActive):
        await runtime.ledger.capture_hold(by=PARKING, hold_id=hold.id, amount=1_00, to_account_id=car_park.id,
                                          idempotency_key="exit-2")


async def test_holds_and_captures_are_idempotent_by_key(runtime):
    funding = await enterprise_account(runtime, 100_00)
    payee = await funded_account(runtime, 3, 0)
    first = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=60_00, idempotency_key="h-1")
    again = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=60_00, idempotency_key="h-1")
    assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
    with pytest.raises(errors.IdempotencyConflict):
        await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=61_00, idempotency_key="h-1")
    captured = [await runtime.ledger.capture_hold(by=PAYROLL, hold_id=first.id, amount=20_00,
                                                  to_account_id=payee.id, idempotency_key="c-1") for _ in range(2)]
    assert captured[0].id == captured[1].id and captured[1].replayed
    assert (await runtime.ledger.get_hold(hold_id=first.id)).remaining == 40_00
    assert await balances(funding, payee) == [80_00, 20_00]
    assert (await Account.get(id=funding.id)).held == 40_00


async def test_a_capture_past_what_is_left_is_refused_and_remembered(runtime):
    funding = await enterprise_account(runtime, 100_00)
    payee = await funded_account(runtime, 3, 0)
    hold = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=30_00, idempotency_key="h-2")
    for _ in range(2):  # the retry gets the same refusal
        with pytest.raises(errors.HoldExceeded) as refused:
            await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=30_01, to_account_id=payee.id,
                                              idempotency_key="c-over")
        assert (refused.value.remaining, refused.value.requested) == (30_00, 30_01)
    assert await balances(funding, payee) == [100_00, 0]
    assert (await runtime.ledger.get_hold(hold_id=hold.id)).remaining == 30_00


async def test_a_hold_is_only_placed_on_money_that_is_available(runtime):
    funding = await enterprise_account(runtime, 100_00)
    await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=70_00, idempotency_key="h-3")
    with pytest.raises(errors.InsufficientFunds) as refused:
        await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=40_00, idempotency_key="h-4")
    assert refused.value.available == 30_00
    # remembered: a retry after money arrived still gets the refusal; a new key is a new attempt
    await deposit(runtime, funding.id, 50_00)
    with pytest.raises(errors.InsufficientFunds):
        await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=40_00, idempotency_key="h-4")
    assert await HoldRow.filter(account_id=funding.id).count() == 1


async def test_who_may_hold_capture_and_release(runtime):
    wallet = await funded_account(runtime, 7, 80_00)
    shop = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="fuel")
    # a service cannot reserve a customer's money on its own
    with pytest.raises(errors.DebitNotAllowed):
        await runtime.ledger.place_hold(by=PARKING, account_id=wallet.id, amount=10_00, idempotency_key="h-5")
    # a customer holds their own account only, and only with the PIN typed for it
    with pytest.raises(errors.StepUpRequired):
        await runtime.ledger.place_hold(by=Customer(user_id=7, session_id="s"), account_id=wallet.id,
                                        amount=10_00, idempotency_key="h-6")
    stranger = await paying_customer(runtime, 8)
    with pytest.raises(errors.AccountNotFound):
        await runtime.ledger.place_hold(by=stranger, account_id=wallet.id, amount=10_00, idempotency_key="h-7")
    hold = await runtime.ledger.place_hold(by=await paying_customer(runtime, 7), account_id=wallet.id,
                                           amount=10_00, idempotency_key="h-8")
    # and captures and releases are the bank's services' alone
    with pytest.raises(errors.InvalidRequest):
        await runtime.ledger.capture_hold(by=Customer(user_id=7, session_id="s"), hold_id=hold.id, amount=10_00,
                                          to_account_id=shop.id, idempotency_key="c-2")
    with pytest.raises(errors.InvalidRequest):
        await runtime.ledger.release_hold(by=Customer(user_id=7, session_id="s"), hold_id=hold.id)
    assert await balances(wallet, shop) == [80_00, 0]


async def test_an_expired_hold_frees_its_money_and_cannot_be_captured(runtime):
    funding = await enterprise_account(runtime, 100_00)
    payee = await funded_account(runtime, 3, 0)
    hold = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=100_00, idempotency_key="h-9",
                                           expires_at=datetime.now(timezone.utc) + timedelta(minutes=5))
    # its time runs out (the row is moved back: tests never wait on the clock)
    await HoldRow.filter(id=hold.id).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert (await runtime.ledger.get_hold(hold_id=hold.id)).status is HoldStatus.EXPIRED
    with pytest.raises(errors.HoldExpired):
        await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=1_00, to_account_id=payee.id,
                                          idempotency_key="c-3")
    # and the whole balance may leave again
    await runtime.ledger.transfer(by=PAYROLL, from_account_id=funding.id, to_account_id=payee.id, amount=100_00,
                                  idempotency_key="after-expiry", kind=EntryKind.DEPOSIT)
    row = await HoldRow.get(id=hold.id)
    assert (row.status, row.released, row.remaining) == (HoldStatus.EXPIRED, 100_00, 0)
    assert (await Account.get(id=funding.id)).held == 0
    assert (await reconcile()).clean


async def test_expire_holds_releases_every_hold_past_its_time(runtime):
    funding = await enterprise_account(runtime, 100_00)
    soon = datetime.now(timezone.utc) + timedelta(minutes=5)
    for n in range(3):
        await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=10_00, idempotency_key=f"e-{n}",
                                        expires_at=soon)
    await HoldRow.filter(idempotency_key__in=["e-0", "e-1"]).update(expires_at=datetime.now(timezone.utc))
    assert await runtime.ledger.expire_holds() == 2
    assert (await Account.get(id=funding.id)).held == 10_00
    assert sorted(await HoldRow.all().values_list("status", flat=True)) == ["active", "expired", "expired"]
