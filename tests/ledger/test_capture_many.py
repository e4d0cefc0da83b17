"""Many captures of one hold in one transaction (``LedgerService.capture_hold_many``): each
its own entry under its own key, each refused alone, answered on a retry exactly as the
single ``capture_hold`` answers, and never more than the hold reserved, under concurrency."""

import asyncio
from datetime import datetime, timezone

import pytest

from ledger import captures as engine, errors, holds
from ledger.limits import ClassTwoLimits
from ledger.models import Account, Hold as HoldRow, JournalEntry, Posting
from ledger.posting import transfer_movement
from ledger.reconcile import reconcile
from ledger.service import (
    MAX_CAPTURES, AccountKind, Capture, Customer, EntryKind, HoldStatus, InternalService, freeze_account,
    unfreeze_account,
)
from ledger.holds import HoldDraw
from tests.ledger.support import funded_account

PAYROLL = InternalService("tests: payroll in chunks")


@pytest.fixture
async def batch(runtime):
    """1,000 yuan held on an enterprise account of 1,200, and five employees' Class II accounts."""
    funding = await funded_account(runtime, None, 1_200_00, kind=AccountKind.ENTERPRISE, name="payroll funding")
    staff = [await funded_account(runtime, 100 + n, 0) for n in range(5)]
    hold = await runtime.ledger.place_hold(by=PAYROLL, account_id=funding.id, amount=1_000_00,
                                           idempotency_key="payroll-hold")
    return funding, staff, hold


def lines(staff, amount=100_00, prefix="line"):
    return [Capture(amount=amount, to_account_id=a.id, idempotency_key=f"{prefix}-{n}", memo="salary")
            for n, a in enumerate(staff)]


async def balance(account) -> int:
    return (await Account.get(id=account.id)).balance


async def test_each_capture_is_its_own_entry_and_a_retry_of_the_batch_moves_nothing(runtime, batch):
    funding, staff, hold = batch
    first = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=lines(staff))
    assert [e.idempotency_key for e in first] == [f"line-{n}" for n in range(5)]
    assert all(e.kind == EntryKind.CAPTURE.value and not e.replayed for e in first)
    assert len({e.id for e in first}) == 5
    # each entry two postings, balances after in the order the captures were asked for
    assert [leg.balance_after for leg in first[-1].legs] == [1_200_00 - 500_00, 100_00]
    assert await Posting.filter(entry_id__in=[e.id for e in first]).count() == 10
    again = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=lines(staff))
    assert [(e.id, e.replayed) for e in again] == [(e.id, True) for e in first]
    assert [await balance(a) for a in (funding, *staff)] == [700_00] + [100_00] * 5
    row = await HoldRow.get(id=hold.id)
    assert (row.captured, row.remaining, row.status) == (500_00, 500_00, HoldStatus.ACTIVE)
    assert (await Account.get(id=funding.id)).held == 500_00
    assert (await reconcile()).clean


async def test_a_capture_of_the_batch_retried_alone_gets_its_entry_and_the_other_way_round(runtime, batch):
    funding, staff, hold = batch
    alone = await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=100_00, to_account_id=staff[0].id,
                                              idempotency_key="line-0", memo="salary")
    batched = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=lines(staff[:2]))
    assert (batched[0].id, batched[0].replayed, batched[1].replayed) == (alone.id, True, False)
    retried = await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=100_00, to_account_id=staff[1].id,
                                                idempotency_key="line-1", memo="salary")
    assert (retried.id, retried.replayed) == (batched[1].id, True)
    # the same key asking for something else is a conflict, for that capture alone
    changed = await runtime.ledger.capture_hold_many(
        by=PAYROLL, hold_id=hold.id, captures=[Capture(amount=1, to_account_id=staff[0].id, idempotency_key="line-0"),
                                               *lines(staff[2:3], prefix="more")])
    assert isinstance(changed[0], errors.IdempotencyConflict) and not changed[1].replayed
    assert [await balance(a) for a in staff[:3]] == [100_00] * 3
    assert (await reconcile()).clean


async def test_each_refusal_is_the_captures_alone_and_is_remembered_under_its_key(runtime, batch):
    funding, staff, hold = batch
    await freeze_account(account_id=staff[1].id)
    asked = [
        Capture(amount=100_00, to_account_id=staff[0].id, idempotency_key="ok-0"),
        Capture(amount=100_00, to_account_id=staff[1].id, idempotency_key="frozen"),
        Capture(amount=0, to_account_id=staff[2].id, idempotency_key="no-amount"),
        Capture(amount=100_00, to_account_id=staff[2].id, idempotency_key="ok-0"),
        Capture(amount=950_00, to_account_id=staff[3].id, idempotency_key="too-much"),
        Capture(amount=100_00, to_account_id=987_654_321, idempotency_key="nobody"),
        Capture(amount=100_00, to_account_id=funding.id, idempotency_key="to-itself"),
        Capture(amount=800_00, to_account_id=staff[4].id, idempotency_key="ok-last"),
    ]
    outcomes = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=asked)
    kinds = [type(o).__name__ for o in outcomes]
    assert kinds == ["PostedEntry", "AccountFrozen", "InvalidAmount", "InvalidRequest", "HoldExceeded",
                     "AccountNotFound", "InvalidRequest", "PostedEntry"]
    assert (outcomes[4].remaining, outcomes[4].requested) == (900_00, 950_00)
    assert [await balance(a) for a in (funding, *staff)] == [300_00, 100_00, 0, 0, 0, 800_00]
    # a decline stands for its key even after the account is unfrozen, alone or in a batch
    await unfreeze_account(account_id=staff[1].id)
    with pytest.raises(errors.AccountFrozen):
        await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=100_00, to_account_id=staff[1].id,
                                          idempotency_key="frozen")
    [again] = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=[asked[1]])
    assert isinstance(again, errors.AccountFrozen)
    row = await HoldRow.get(id=hold.id)
    assert (row.captured, row.remaining, row.status) == (900_00, 100_00, HoldStatus.ACTIVE)
    assert (await reconcile()).clean


async def test_a_hold_that_is_over_refuses_every_capture_and_remembers_each(runtime, batch):
    funding, staff, hold = batch
    await runtime.ledger.release_hold(by=PAYROLL, hold_id=hold.id)
    outcomes = await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=lines(staff[:3]))
    assert all(isinstance(o, errors.HoldNotActive) for o in outcomes)
    assert not await JournalEntry.filter(idempotency_key__in=["line-0", "line-1", "line-2"]).exists()
    with pytest.raises(errors.HoldNotActive):
        await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=100_00, to_account_id=staff[0].id,
                                          idempotency_key="line-0", memo="salary")
    assert await balance(funding) == 1_200_00


async def test_only_services_capture_and_a_call_holds_at_most_the_maximum(runtime, batch):
    funding, staff, hold = batch
    with pytest.raises(errors.InvalidRequest):
        await runtime.ledger.capture_hold_many(by=Customer(user_id=100, session_id="s"), hold_id=hold.id,
                                               captures=lines(staff))
    for count in (0, MAX_CAPTURES + 1):
        with pytest.raises(errors.InvalidRequest):
            await runtime.ledger.capture_hold_many(
                by=PAYROLL, hold_id=hold.id, captures=[lines(staff)[0]] * count)
    with pytest.raises(errors.HoldNotFound):
        await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id + 1000, captures=lines(staff))


async def test_what_the_caller_writes_stands_or_falls_with_the_new_entries(runtime, batch):
    funding, staff, hold = batch
    await runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=100_00, to_account_id=staff[0].id,
                                      idempotency_key="line-0", memo="salary")
    heard: list[list[str]] = []

    async def refuse(entries):
        heard.append([e.idempotency_key for e in entries])
        raise RuntimeError("the caller's own rows failed")

    with pytest.raises(RuntimeError):
        await runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=lines(staff), also_write=refuse)
    assert heard == [["line-1", "line-2", "line-3", "line-4"]]  # the replayed one is not the caller's to write again
    assert [await balance(a) for a in (funding, *staff)] == [1_100_00, 100_00, 0, 0, 0, 0]
    assert (await HoldRow.get(id=hold.id)).captured == 100_00


@pytest.fixture
def environ(environ):
    """Ten pooled connections: the racing calls really run in separate transactions."""
    environ["DATABASE_URL"] += "?maxsize=10"
    return environ


async def test_batches_and_single_captures_racing_over_the_same_keys_pay_each_once(runtime, batch):
    funding, staff, hold = batch
    # 40 captures of 25 yuan (exactly the hold), asked four times over: two overlapping batches,
    # the whole list again, and each one alone, all at once
    asked = [Capture(amount=25_00, to_account_id=staff[n % 5].id, idempotency_key=f"race-{n}") for n in range(40)]
    calls = [
        runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=asked[:30]),
        runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=asked[10:]),
        runtime.ledger.capture_hold_many(by=PAYROLL, hold_id=hold.id, captures=list(reversed(asked))),
        *(runtime.ledger.capture_hold(by=PAYROLL, hold_id=hold.id, amount=c.amount, to_account_id=c.to_account_id,
                                      idempotency_key=c.idempotency_key) for c in asked),
    ]
    results = await asyncio.gather(*calls)
    entries: dict[str, set[int]] = {}
    for result in results:
        for entry in result if isinstance(result, list) else [result]:
            assert not isinstance(entry, Exception), entry
            entries.setdefault(entry.idempotency_key, set()).add(entry.id)
    assert sorted(entries) == sorted(c.idempotency_key for c in asked)
    assert all(len(ids) == 1 for ids in entries.values())
    assert await JournalEntry.filter(hold_id=hold.id).count() == 40
    assert [await balance(a) for a in staff] == [200_00] * 5
    row = await HoldRow.get(id=hold.id)
    assert (row.captured, row.remaining, row.status) == (1_000_00, 0, HoldStatus.CAPTURED)
    assert (await Account.get(id=funding.id)).held == 0
    assert (await reconcile()).clean


async def test_the_engine_posts_a_batch_on_sqlite_as_on_postgresql(bank):
    """Embedded mode: the same engine with lists of placeholders instead of arrays."""
    funding = await bank.customer_account(None, AccountKind.ENTERPRISE, balance=500_00)
    staff = [await bank.customer_account(200 + n) for n in range(3)]
    now = datetime.now(timezone.utc)

    async def within_limits(account):
        return None

    hold = await holds.place(account_id=funding.id, amount=300_00, idempotency_key="h", memo="", expires_at=None,
                             placed_by="tests", authorize=lambda account: None, check_limits=within_limits, now=now)

    def capture(n, amount, to):
        return transfer_movement(
            from_account_id=funding.id, to_account_id=to, amount=amount, idempotency_key=f"s-{n}", kind="capture",
            hold=HoldDraw(hold_id=hold.id, account_id=funding.id, amount=amount, final=False))

    requests = [capture(0, 100_00, staff[0].id), capture(1, 250_00, staff[1].id), capture(2, 200_00, staff[2].id)]
    written: list[int] = []

    async def also_write(entries):
        written.extend(e.id for e in entries)

    outcomes = await engine.post_captures(hold.id, requests, limits=ClassTwoLimits(),
                                          authorize=lambda request, locked: None, also_write=also_write)
    assert [type(o).__name__ for o in outcomes] == ["PostedEntry", "HoldExceeded", "PostedEntry"]
    assert written == [outcomes[0].id, outcomes[2].id]
    again = await engine.post_captures(hold.id, requests, limits=ClassTwoLimits(),
                                       authorize=lambda request, locked: None)
    assert [getattr(o, "replayed", type(o).__name__) for o in again] == [True, "HoldExceeded", True]
    assert [(await Account.get(id=a.id)).balance for a in (funding, *staff)] == [200_00, 100_00, 0, 200_00]
    assert (await HoldRow.get(id=hold.id)).remaining == 0
    assert (await reconcile()).clean
