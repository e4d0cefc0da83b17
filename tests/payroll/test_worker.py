"""The payroll worker, a real process, killed (SIGKILL) in the middle of a batch and started
again: every line is paid exactly once, and the books reconcile."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.models import JournalEntry
from ledger.reconcile import reconcile
from ledger.service import EntryKind, get_account
from miniprograms.payroll.models import PayrollLine
from miniprograms.payroll.service import BatchStatus, LineStatus
from tests.payroll.test_batches import approved, salaries, staffed
from tests.servers import ROOT

SUPERAPP = str(Path(sys.executable).parent / "superapp")
LINES = 1_500


@pytest.fixture
def environ(environ):
    environ["PAYROLL_CHUNK"] = "25"  # small chunks: the kill lands between and inside them
    environ["PAYROLL_LEASE_SECONDS"] = "1"  # the successor takes the dead worker's batch over soon
    return environ


def start_worker(environ: dict, name: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([SUPERAPP, "worker", "payroll", "--consumer", name, *extra], cwd=ROOT,
                            env={**os.environ, **environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def test_a_worker_killed_mid_batch_pays_every_line_exactly_once(environ, runtime):
    payroll, accounts = await staffed(runtime, count=LINES, funds=LINES * 2_000_000)
    before = (await get_account(account_id=payroll.account_id)).balance
    batch = await approved(runtime, payroll, salaries(LINES))

    # when the worker is killed while it is paying the batch
    doomed = start_worker(environ, "doomed")
    while True:
        assert doomed.poll() is None, doomed.stderr.read().decode()
        paid = await PayrollLine.filter(batch_id=batch.id, status=LineStatus.PAID).count()
        if paid >= 100:
            break
        await asyncio.sleep(0.01)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    doomed.stderr.close()
    paid_before = await PayrollLine.filter(batch_id=batch.id, status=LineStatus.PAID).count()
    assert 0 < paid_before < LINES

    # and another starts
    successor = start_worker(environ, "successor", "--until-idle")
    _, errors = await asyncio.to_thread(successor.communicate)
    assert successor.returncode == 0, errors.decode()

    # then every line was paid once: one capture per line, each account credited once
    batch = await runtime.payroll.batch(user_id=payroll.checker, batch_id=batch.id)
    assert (batch.status, batch.paid_count) == (BatchStatus.COMPLETED, LINES)
    keys = await JournalEntry.filter(kind=EntryKind.CAPTURE.value).values_list("idempotency_key", flat=True)
    assert len(keys) == len(set(keys)) == LINES
    balances = {(await get_account(account_id=a.id)).balance for a in accounts}
    assert balances == {1_000_000}
    assert (await get_account(account_id=payroll.account_id)).balance == before - LINES * 1_000_000
    assert (await reconcile()).clean


async def test_payslips_paid_by_the_worker_process_reach_the_employee_live(environ, runtime):
    """The worker is its own process: its inbox notices go through Redis like the server's, so
    an employee subscribed on any server hears of their payslip as it is paid."""
    payroll, accounts = await staffed(runtime, count=3)
    batch = await approved(runtime, payroll, salaries(3))
    employee = accounts[1].owner_user_id
    async with runtime.broker.subscribe(f"inbox:{employee}") as heard:
        worker = start_worker(environ, "notices", "--until-idle")
        _, errors = await asyncio.to_thread(worker.communicate)
        assert worker.returncode == 0, errors.decode()
        notice = await asyncio.wait_for(anext(heard), 10)
    [payslip] = await runtime.openplatform.inbox(user_id=employee)
    assert (notice["id"], payslip.kind.value) == (payslip.id, "TRANSACTIONAL")
    assert (await runtime.payroll.batch(user_id=payroll.checker, batch_id=batch.id)).status is BatchStatus.COMPLETED
