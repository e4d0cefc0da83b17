"""Rent bills are paid from the tenant's enterprise account to the operator's through the
ledger, once, with a receipt; late bills are flagged and reminded through the inbox."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date

import pytest

from ledger.models import Account, JournalEntry
from ledger.service import Customer
from miniprograms.parks.service import BillStatus, NotFound, PaymentRefused, TenantRoleRequired
from openplatform.messages import inbox
from tests.parks.support import fund, leased_unit

PIN = "135790"


async def _ready(runtime, world, balance=100_000_00):
    await leased_unit(runtime, world, months=3, deposit=20_000_00)
    await fund(runtime, world, world.tenant, balance, "fund-tenant")
    await runtime.ledger.pins.set_pin(user_id=world.tenant_admin, pin=PIN)
    return await runtime.parks.bills_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)


def _payer(world, pin=PIN, session="s-1"):
    return Customer(user_id=world.tenant_admin, session_id=session, pin=pin)


async def _balance(enterprise) -> int:
    return (await Account.get(id=enterprise.account_id)).balance


async def test_a_bill_is_paid_from_the_enterprise_account_with_a_receipt(runtime, world):
    deposit, *_ = await _ready(runtime, world)

    receipt = await runtime.parks.pay_bill(by=_payer(world), bill_id=deposit.id)

    assert (receipt.amount, receipt.replayed, receipt.bill.status) == (20_000_00, False, BillStatus.PAID)
    assert (receipt.payer_name, receipt.payee_name) == ("深圳市云帆电子有限公司", "深圳湾科技园运营有限公司")
    assert receipt.payer_account_number.count("*") == 4 and len(receipt.payer_account_number) == 12
    assert await _balance(world.tenant) == 80_000_00 and await _balance(world.owner) == 20_000_00
    entry = await JournalEntry.get(id=receipt.entry_id)
    assert entry.idempotency_key == f"parks:bill:{deposit.id}"
    assert [m.title for m in await inbox(user_id=world.tenant_admin)] == ["已支付 ¥20,000.00"]
    again = await runtime.parks.receipt(by_user_id=world.tenant_staff, bill_id=deposit.id)
    assert (again.entry_id, again.amount) == (receipt.entry_id, receipt.amount)


async def test_one_bill_paid_many_times_at_once_moves_money_once(runtime, world):
    deposit, *_ = await _ready(runtime, world)

    receipts = await asyncio.gather(*(
        runtime.parks.pay_bill(by=_payer(world, session=f"s-{i}"), bill_id=deposit.id) for i in range(8)))

    assert len({r.entry_id for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1
    assert await JournalEntry.filter(idempotency_key=f"parks:bill:{deposit.id}").count() == 1
    assert await _balance(world.tenant) == 80_000_00 and await _balance(world.owner) == 20_000_00
    assert len(await inbox(user_id=world.tenant_admin)) == 1


async def test_only_the_tenants_money_approvers_pay_and_only_their_own_bills(runtime, world):
    deposit, *_ = await _ready(runtime, world)
    await runtime.ledger.pins.set_pin(user_id=world.tenant_staff, pin=PIN)
    await runtime.ledger.pins.set_pin(user_id=world.other_admin, pin=PIN)

    with pytest.raises(TenantRoleRequired):  # a maker of the tenant
        await runtime.parks.pay_bill(by=Customer(world.tenant_staff, "s", PIN), bill_id=deposit.id)
    with pytest.raises(NotFound):  # another tenant's administrator
        await runtime.parks.pay_bill(by=Customer(world.other_admin, "s", PIN), bill_id=deposit.id)
    with pytest.raises(NotFound):  # the park's own manager
        await runtime.parks.pay_bill(by=Customer(world.manager, "s", PIN), bill_id=deposit.id)
    with pytest.raises(PaymentRefused) as no_pin:
        await runtime.parks.pay_bill(by=_payer(world, pin=None), bill_id=deposit.id)
    with pytest.raises(PaymentRefused) as wrong_pin:
        await runtime.parks.pay_bill(by=_payer(world, pin="975310"), bill_id=deposit.id)

    assert (no_pin.value.reason, wrong_pin.value.reason) == ("STEP_UP_REQUIRED", "WRONG_PIN")
    assert await _balance(world.tenant) == 100_000_00
    bills = await runtime.parks.bills_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)
    assert {b.status for b in bills} == {BillStatus.UNPAID}


async def test_without_the_money_the_bill_stays_unpaid(runtime, world):
    deposit, *_ = await _ready(runtime, world, balance=1_000_00)

    with pytest.raises(PaymentRefused) as refused:
        await runtime.parks.pay_bill(by=_payer(world), bill_id=deposit.id)

    assert refused.value.reason == "INSUFFICIENT_FUNDS"
    bills = await runtime.parks.bills_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)
    assert bills[0].status is BillStatus.UNPAID and bills[0].entry_id is None
    assert await _balance(world.tenant) == 1_000_00


async def test_late_bills_are_flagged_and_reminded_once_to_those_who_pay(runtime, world):
    deposit, december, january, february = await _ready(runtime, world)
    await runtime.parks.pay_bill(by=_payer(world), bill_id=deposit.id)

    first = await runtime.parks.flag_late_bills(today=date(2027, 1, 10))
    again = await runtime.parks.flag_late_bills(today=date(2027, 1, 11))

    assert (first, again) == (2, 0)  # December's and January's rent; the deposit was paid
    late = await runtime.parks.bills_for_park(by_user_id=world.manager, park_id=world.park.id, late_only=True)
    assert [b.id for b in late] == [december.id, january.id] and all(b.late for b in late)
    titles = [m.title for m in await inbox(user_id=world.tenant_admin)]
    assert sorted(titles[:2]) == ["2026-12 账单已逾期", "2027-01 账单已逾期"]
    assert await inbox(user_id=world.tenant_staff) == []  # a maker does not pay, so is not reminded



async def test_the_daily_command_reminds_late_bills_once(runtime, world, environ):
    """`superapp parks remind-late`, run as the installed command against the same database."""
    await _ready(runtime, world)

    def remind():
        return subprocess.run([sys.executable, "-m", "superapp.cli", "parks", "remind-late", "--date", "2027-01-10"],
                              capture_output=True, text=True, env={**os.environ, **environ}, timeout=120)

    first, again = await asyncio.to_thread(remind), await asyncio.to_thread(remind)

    assert (first.returncode, first.stdout.strip()) == (0, "3 late bills flagged and reminded"), first.stderr
    assert again.stdout.strip() == "0 late bills flagged and reminded"
    assert len(await inbox(user_id=world.tenant_admin)) == 3  # the deposit, December's and January's rent
