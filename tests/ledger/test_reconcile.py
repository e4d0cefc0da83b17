"""`superapp ledger reconcile` passes a clean ledger and catches a planted discrepancy."""

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from ledger.models import JournalEntry
from ledger.reconcile import reconcile
from ledger.service import AccountKind, Customer, InternalService, open_account
from tests.ledger.engine import transfer
from tests.ledger.support import funded_account


async def run_reconcile(environ) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        # The installed entry point, as an operator runs it (``-m superapp.cli`` would
        # register the commands on a second copy of the module).
        str(Path(sys.executable).parent / "superapp"), "ledger", "reconcile",
        env={**os.environ, **environ}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def a_day_of_business(runtime):
    wallet = await funded_account(runtime, 1, 500_00)
    card = await funded_account(runtime, 1, 0, kind=AccountKind.CLASS_ONE)
    moved = await runtime.ledger.transfer(
        by=Customer(user_id=1, session_id="session-1"), from_account_id=wallet.id, to_account_id=card.id,
        amount=120_00, idempotency_key="day-1",
    )
    await runtime.ledger.reverse_entry(by=InternalService("operations"), entry_id=moved.id, idempotency_key="day-1-undo")
    return wallet, card


@pytest.mark.slow
async def test_a_clean_ledger_reconciles_with_exit_code_zero(runtime, environ):
    await a_day_of_business(runtime)

    code, output = await run_reconcile(environ)

    assert code == 0, output
    assert "3 accounts, 3 entries, 6 postings" in output and "result: clean" in output


@pytest.mark.slow
async def test_a_balance_changed_behind_the_ledgers_back_is_caught(runtime, environ):
    wallet, _ = await a_day_of_business(runtime)
    conn = await asyncpg.connect(environ["DATABASE_URL"])
    try:
        await conn.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = $1", wallet.id)
    finally:
        await conn.close()

    code, output = await run_reconcile(environ)

    assert code == 1, output
    assert f"account {wallet.id} shows 500_01 fen".replace("_", "") in output
    assert "FAIL balances_equal_postings (1)" in output and "result: DISCREPANCIES FOUND" in output


@pytest.mark.slow
async def test_a_posting_slipped_in_without_its_other_leg_is_caught(runtime, environ):
    wallet, _ = await a_day_of_business(runtime)
    entry = await JournalEntry.get(idempotency_key="day-1")
    conn = await asyncpg.connect(environ["DATABASE_URL"])
    try:
        await conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, balance_after, counts_toward_limits, created_at)"
            " VALUES ($1, $2, 7, 0, false, now())", entry.id, wallet.id,
        )
    finally:
        await conn.close()

    code, output = await run_reconcile(environ)

    assert code == 1
    assert "postings of currency CNY sum to 7 fen" in output
    assert f"entry {entry.id} has postings summing to 7 fen" in output
    assert f"account {wallet.id} shows" in output


async def test_one_key_mapping_to_two_entries_is_caught(runtime):
    await a_day_of_business(runtime)

    class Planted(Exception):
        """Rolls the planted schema change and rows back after the check."""

    with pytest.raises(Planted):
        async with in_transaction() as conn:
            # PostgreSQL DDL is transactional: drop the unique key only inside this transaction.
            await conn.execute_script(
                "ALTER TABLE ledger_journal_entry DROP CONSTRAINT ledger_journal_entry_idempotency_key_key"
            )
            await conn.execute_script(
                "INSERT INTO ledger_journal_entry (idempotency_key, fingerprint, kind, memo, currency, created_at)"
                " VALUES ('day-1', 'x', 'transfer', '', 'CNY', now())"
            )
            report = await reconcile()
            assert report.discrepancies["one_entry_per_idempotency_key"] == ["idempotency key 'day-1' maps to 2 entries"]
            assert not report.clean
            raise Planted

    assert (await reconcile()).clean


async def test_a_customer_account_below_zero_is_caught(runtime):
    account = await open_account(owner_user_id=3, kind=AccountKind.CLASS_TWO, name="wallet")
    conn = await asyncpg.connect(runtime.settings.database_url)
    try:
        await conn.execute("UPDATE ledger_account SET balance = -5 WHERE id = $1", account.id)
    finally:
        await conn.close()

    report = await reconcile()

    assert report.discrepancies["no_negative_balances"] == [
        f"account {account.id} (class_two) is at -5 fen without an overdraft"
    ]


async def test_reconciliation_runs_the_same_on_both_engines(bank, ledger_db):
    payer = await bank.customer_account(1, balance=80_00)
    payee = await bank.customer_account(2)
    await transfer(from_account_id=payer.id, to_account_id=payee.id, amount=30_00, idempotency_key="both-1")
    assert (await reconcile()).clean

    await connections.get("default").execute_script(f"UPDATE ledger_account SET balance = 0 WHERE id = {payee.id}")
    report = await reconcile()

    assert report.discrepancies["balances_equal_postings"] == [
        f"account {payee.id} shows 0 fen but its postings sum to 3000 fen"
    ]


async def a_day_with_holds(runtime):
    """One hold captured in part (the rest released), one released, one still active."""
    funding = await funded_account(runtime, None, 300_00, kind=AccountKind.ENTERPRISE, name="funding")
    payee = await funded_account(runtime, 2, 0)
    service = InternalService("tests: payroll")
    holds = [await runtime.ledger.place_hold(by=service, account_id=funding.id, amount=100_00,
                                             idempotency_key=f"rh-{n}") for n in range(3)]
    await runtime.ledger.capture_hold(by=service, hold_id=holds[0].id, amount=40_00, to_account_id=payee.id,
                                      idempotency_key="rc-0", final=True)
    await runtime.ledger.release_hold(by=service, hold_id=holds[1].id)
    return funding, holds


# Each: a row changed behind the ledger's back, and the line reconciliation must print.
HOLD_PLANTS = {
    "held_equals_active_holds": (
        "UPDATE ledger_account SET held = held + 1 WHERE id = {funding}",
        "account {funding} shows 10001 fen held but its active holds sum to 10000 fen"),
    "held_within_balance": (
        "UPDATE ledger_account SET balance = 90 WHERE id = {funding}",
        "account {funding} holds 10000 fen of a 90 fen balance"),
    "holds_add_up": (
        "UPDATE ledger_hold SET released = released + 5 WHERE id = {released}",
        "hold {released} (released) of 10000 fen: 0 captured + 10005 released + 0 left"),
    "captures_match_their_holds": (
        "UPDATE ledger_hold SET captured = captured + 1, released = released - 1 WHERE id = {captured}",
        "hold {captured} says 4001 fen were captured but its entries took 4000 fen"),
}


@pytest.mark.parametrize("check", sorted(HOLD_PLANTS))
async def test_holds_reconcile_and_a_planted_hold_discrepancy_is_named(runtime, check):
    funding, holds = await a_day_with_holds(runtime)
    assert (await reconcile()).clean
    ids = {"funding": funding.id, "captured": holds[0].id, "released": holds[1].id}
    planted, expected = HOLD_PLANTS[check]
    conn = await asyncpg.connect(runtime.settings.database_url)
    try:
        await conn.execute(planted.format(**ids))
    finally:
        await conn.close()

    report = await reconcile()

    assert expected.format(**ids) in report.discrepancies[check]
    assert not report.clean


@pytest.mark.slow
async def test_expire_holds_from_the_command_line(runtime, environ):
    from datetime import datetime, timedelta, timezone

    from ledger.models import Hold

    funding, holds = await a_day_with_holds(runtime)
    await Hold.filter(id=holds[2].id).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "superapp"), "ledger", "expire-holds",
        env={**os.environ, **environ}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert (process.returncode, output.decode().strip()) == (0, "holds released after their time: 1")
    assert (await Hold.get(id=holds[2].id)).status.value == "expired"
    assert (await reconcile()).clean
