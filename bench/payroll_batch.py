"""A payroll batch from approval to completed, with ``superapp worker payroll`` on PostgreSQL.

Plants N employees with Class II accounts (COPY), imports them through the roster service
(files of 50,000), uploads an N-line salary file through the batch service, submits it, a
checker approves it with the PIN, then one worker process pays it (each line its own ledger
capture of the batch's hold). Prints lines/s from approval to completed, the worker's peak
RSS (beside a batch a tenth the size, to show memory flat in the batch size), and the
reconciliation; then, in the same run, single transfers through ``LedgerService.transfer``
from one account (the same hot row a batch pays from) and between random pairs.

    .venv/bin/python bench/payroll_batch.py [--lines 100000] [--clients 16] [--seconds 5]

Uses a throw-away database on 127.0.0.1:5432 and a redis-server of its own (both removed
at the end). Figures are noisy on shared cores: read them as an order of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402
from kyc.gb11643 import check_character  # noqa: E402
from ledger.account_numbers import new_account_number  # noqa: E402
from ledger.models import JournalEntry  # noqa: E402
from ledger.reconcile import reconcile  # noqa: E402
from ledger.service import (  # noqa: E402
    AccountKind, EnterpriseRole, EntryKind, InternalService, Operator, add_enterprise_member, get_account,
    open_account, open_enterprise,
)
from miniprograms.payroll.models import PayrollLine  # noqa: E402
from miniprograms.payroll.service import Approver, BatchStatus, LineStatus  # noqa: E402
from superapp.runtime import payroll_services  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SUPERAPP = str(Path(sys.executable).parent / "superapp")
# A profiler to run the paying worker under, e.g. BENCH_WORKER_WRAP="py-spy record -o w.svg --"
WRAP = os.environ.get("BENCH_WORKER_WRAP", "").split()
PIN = "135790"
NET = 800_000  # 8,000 yuan net; gross 10,000 less 1,000 + 700 + 300
DEPOSITS = InternalService("bench: money arriving from outside")


def id_number(n: int) -> str:
    first17 = f"110105{1900 + n // 1000:04d}0307{n % 1000:03d}"
    return first17 + check_character(first17)


def salary_file(first: int, count: int) -> bytes:
    out = io.StringIO()
    out.write("身份证号,应发工资,社保,公积金,个税,实发工资\n")
    for n in range(first, first + count):
        out.write(f"{id_number(n)},10000.00,1000.00,700.00,300.00,8000.00\n")
    return out.getvalue().encode()


async def plant_accounts(url: str, count: int) -> list[str]:
    """Class II accounts of users 1..count, planted by COPY (opening 10^5 one by one is setup, not the bench)."""
    numbers = [new_account_number() for _ in range(count)]
    conn = await asyncpg.connect(url)
    try:
        now = datetime.now(timezone.utc)
        await conn.copy_records_to_table(
            "ledger_account", columns=["owner_user_id", "kind", "name", "currency", "balance", "held", "status",
                                       "number", "created_at"],
            records=[(n + 1, "class_two", "二类户", "CNY", 0, 0, "active", numbers[n], now) for n in range(count)])
    finally:
        await conn.close()
    return numbers


async def pay_nothing(environ: dict) -> dict:
    """A worker with no batch due: its start-up (imports, connections) and its RSS."""
    started = time.perf_counter()
    worker = subprocess.Popen([SUPERAPP, "worker", "payroll", "--until-idle"], cwd=ROOT, env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(worker.pid, 0)
    return {"seconds": time.perf_counter() - started, "rss_mb": usage.ru_maxrss / 1024}


def machine_cpu() -> float:
    """CPU seconds this machine has been busy, all cores (postgres's backends end with their
    connections, so their own counters are gone by the time the worker exits)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def pay(environ: dict, payroll, enterprise, *, first: int, count: int, period: str) -> dict:
    """Upload, submit, approve and pay one batch; its figures."""
    upload = await payroll.upload_batch(user_id=2, enterprise_id=enterprise.id, period=period,
                                        idempotency_key=f"bench-{period}", data=salary_file(first, count))
    await payroll.submit(user_id=2, batch_id=upload.batch.id)
    started, machine_started = time.perf_counter(), machine_cpu()
    await payroll.approve(by=Approver(user_id=3, session_id="bench", pin=PIN), batch_id=upload.batch.id)
    worker = subprocess.Popen([*WRAP, SUPERAPP, "worker", "payroll", "--until-idle"], cwd=ROOT, env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(worker.pid, 0)  # this worker's own peak RSS, not any child's
    elapsed, machine = time.perf_counter() - started, machine_cpu() - machine_started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(worker.stderr.read().decode()[-2000:])
    batch = await payroll.batch(user_id=3, batch_id=upload.batch.id)
    keys = await JournalEntry.filter(idempotency_key__startswith=f"payroll:{batch.id}:").count()
    return {"batch": batch, "seconds": elapsed, "rss_mb": usage.ru_maxrss / 1024, "entries": keys,
            "cpu": usage.ru_utime + usage.ru_stime, "machine_cpu": machine}


async def transfers(ledger, sources: list[int], targets: list[int], clients: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        nonlocal done
        rng = random.Random(number)
        sent = 0
        while time.perf_counter() < deadline:
            sent += 1
            source = rng.choice(sources)
            target = rng.choice([t for t in targets if t != source][:4] or targets)
            await ledger.transfer(by=DEPOSITS, from_account_id=source, to_account_id=target, amount=1,
                                  idempotency_key=f"bench-t-{number}-{sent}-{source}", kind=EntryKind.DEPOSIT)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return done / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> int:
    name = f"superapp_bench_payroll_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    redis = RedisServer().start()
    environ = {**os.environ, "DATABASE_URL": url, "REDIS_URL": f"{redis.url}/0", "REDIS_DURABILITY": "warn",
               "SUPERAPP_DATA_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / name),
               "SECRET_KEY": "bench", "PII_KEYS": "b1:" + base64.b64encode(b"b" * 32).decode(),
               "LOG_LEVEL": "WARNING", "PAYROLL_MAX_BATCH_LINES": str(max(args.lines, 100_000))}
    settings = Settings.from_env(environ)
    try:
        await db.migrate(settings)
        async with payroll_services(settings) as payroll:
            small = max(args.lines // 10, 1)
            total = args.lines + small
            setup = time.perf_counter()
            numbers = await plant_accounts(url, total)
            enterprise = await open_enterprise(by=Operator(1), name="基准测试有限公司", credit_code="911100001000044477")
            for user_id, role in ((2, EnterpriseRole.MAKER), (3, EnterpriseRole.CHECKER)):
                await add_enterprise_member(by=Operator(1), enterprise_id=enterprise.id, user_id=user_id, role=role)
            await payroll.ledger.pins.set_pin(user_id=3, pin=PIN)
            settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement")
            await payroll.ledger.transfer(by=DEPOSITS, from_account_id=settlement.id,
                                          to_account_id=enterprise.account_id, amount=total * NET * 2,
                                          idempotency_key="bench-funding", kind=EntryKind.DEPOSIT)
            roster_started = time.perf_counter()
            for start in range(0, total, 50_000):
                rows = ["姓名,身份证号,手机号,收款账号"] + [
                    f"员工,{id_number(n)},137{n:08d},{numbers[n]}" for n in range(start, min(start + 50_000, total))]
                await payroll.import_roster(user_id=2, enterprise_id=enterprise.id, commit=True,
                                            data="\n".join(rows).encode())
            roster_seconds = time.perf_counter() - roster_started
            print(f"setup: {total:,} Class II accounts planted, roster of {total:,} imported through the service in "
                  f"{roster_seconds:.1f} s ({total / roster_seconds:,.0f} rows/s); setup {time.perf_counter() - setup:.1f} s")
            before = (await get_account(account_id=enterprise.account_id)).balance
            small_run = await pay(environ, payroll, enterprise, first=args.lines, count=small, period="2026-10")
            big = await pay(environ, payroll, enterprise, first=0, count=args.lines, period="2026-11")
            for run in (small_run, big):
                batch = run["batch"]
                print(f"batch of {batch.line_count:>7,} lines: {batch.status.value}, {batch.paid_count:,} paid, "
                      f"{batch.line_count / run['seconds']:8,.1f} lines/s approval -> completed "
                      f"({run['seconds']:.1f} s), worker peak RSS {run['rss_mb']:.0f} MB, "
                      f"{run['entries']:,} ledger entries; CPU: worker {run['cpu']:.1f} s, "
                      f"the whole machine {run['machine_cpu']:.1f} s of {os.cpu_count() * run['seconds']:.1f}")
            idle = await pay_nothing(environ)
            print(f"(each worker's own peak RSS, os.wait4; a worker started with nothing to pay exits after "
                  f"{idle['seconds']:.1f} s at {idle['rss_mb']:.0f} MB: without that start-up the {args.lines:,}-line "
                  f"batch ran at {big['batch'].line_count / (big['seconds'] - idle['seconds']):,.0f} lines/s)")
            paid_lines = await PayrollLine.filter(status=LineStatus.PAID).count()
            after = (await get_account(account_id=enterprise.account_id)).balance
            clean_batches = all(r["batch"].status is BatchStatus.COMPLETED and r["entries"] == r["batch"].line_count
                                for r in (small_run, big))
            held = await payroll.ledger.available_balances(account_ids=[enterprise.account_id])
            money_ok = before - after == total * NET and held[enterprise.account_id] == after
            print(f"payroll: {paid_lines:,} lines paid of {total:,}; enterprise paid {(before - after) / 100:,.2f} yuan "
                  f"= lines x net: {money_ok}; every line one entry: {clean_batches}")
            report = await reconcile()
            print("\n".join(report.lines()))

            employees = [(await get_account(account_id=enterprise.account_id)).id]
            others = [a.id for a in [await open_account(owner_user_id=None, kind=AccountKind.ENTERPRISE,
                                                        name=f"bench {n}") for n in range(args.clients * 2)]]
            for n, account_id in enumerate(others):
                await payroll.ledger.transfer(by=DEPOSITS, from_account_id=settlement.id, to_account_id=account_id,
                                              amount=10**9, idempotency_key=f"bench-fund-{n}", kind=EntryKind.DEPOSIT)
            hot = await transfers(payroll.ledger, employees, others, args.clients, args.seconds)
            spread = await transfers(payroll.ledger, others, others, args.clients, args.seconds)
            print(f"single transfers through LedgerService.transfer, {args.clients} clients: from one account "
                  f"{hot:,.1f}/s, between random pairs of {len(others)} accounts {spread:,.1f}/s")
            print(f"batch lines/s vs single transfers from one account: {big['batch'].line_count / big['seconds'] / hot:.2f}x"
                  f" (target: 5,000 lines/s)")
            return 0 if report.clean and clean_batches and money_ok else 1
    finally:
        redis.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
