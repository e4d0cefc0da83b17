"""Transfers/s through the ledger with transaction monitoring on vs off, in one run.

N concurrent clients move random amounts between the two accounts of random customers, each
a ``Customer`` in a signed-in session (device noted by monitoring's sign-in), through
``LedgerService.transfer`` for a fixed time: once with the ledger alone (``NoScreen``), once
screened by ``MonitoringService`` with the default rules (all six enabled, one Redis script
call per movement), alternating rounds so drifting load on shared cores hits both alike.
Target (issue 20): monitoring costs under 15% of throughput.

    .venv/bin/python bench/monitoring_transfers.py [--clients 16] [--seconds 5] [--rounds 2] [--customers 1000]

Uses a throw-away database on 127.0.0.1:5432 (dropped at the end) and a redis-server of its
own. Amounts stay under the step-up threshold and customers many enough that no rule trips:
this measures the cost of checking, not of holding.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import service as audit_log  # noqa: E402
from infra import db  # noqa: E402
from infra.pii import PiiCipher  # noqa: E402
from infra.settings import Settings  # noqa: E402
from ledger.config import LedgerSettings  # noqa: E402
from ledger.reconcile import reconcile  # noqa: E402
from ledger.service import AccountKind, Customer, EntryKind, InternalService, LedgerService, open_account  # noqa: E402
from monitoring.service import MonitoringService  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OPENING_BALANCE = 1_000_000_00


async def drive(name: str, ledger: LedgerService, clients: int, seconds: float,
                customers: list[tuple[Customer, int, int]]) -> dict:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    run = uuid.uuid4().hex[:12]  # fresh keys every round: reused ones would measure replays

    async def client(number: int) -> None:
        nonlocal failures
        rng = random.Random(number)
        sent = 0
        while time.perf_counter() < deadline:
            by, first, second = rng.choice(customers)
            source, target = (first, second) if rng.random() < 0.5 else (second, first)
            sent += 1
            started = time.perf_counter()
            try:
                await ledger.transfer(by=by, from_account_id=source, to_account_id=target,
                                      amount=rng.randint(1, 100_00), idempotency_key=f"{name}:{run}:{number}:{sent}")
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                failures += 1
                if failures <= 3:
                    print(f"  {name} failure: {exc!r}")
                continue
            latencies.append(time.perf_counter() - started)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    latencies.sort()
    return {
        "name": name, "transfers": len(latencies), "failures": failures, "per_second": len(latencies) / elapsed,
        "cpu_ms": cpu * 1000 / max(len(latencies), 1),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
    }


async def main(args: argparse.Namespace) -> int:
    database_name = f"superapp_bench_monitoring_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{database_name}"')
    redis_server = RedisServer().start()
    url = f"postgres://postgres@127.0.0.1:5432/{database_name}"
    settings = Settings.from_env({
        "DATABASE_URL": f"{url}?maxsize={args.clients}", "REDIS_URL": f"{redis_server.url}/0",
        "SUPERAPP_DATA_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / database_name),
        "SECRET_KEY": "bench", "PII_KEYS": "b1:" + "a" * 43 + "=",
    })
    redis = aioredis.Redis.from_url(f"{redis_server.url}/0")
    try:
        await db.migrate(settings)
        connections = await db.open_database(settings)
        audit_log.configure("bench")
        monitoring = MonitoringService(redis=redis)
        try:
            cipher = PiiCipher.from_settings(settings)
            screened = LedgerService(settings=LedgerSettings(), cipher=cipher, redis=redis, screen=monitoring)
            monitoring.settle_through(screened)
            alone = LedgerService(settings=LedgerSettings(), cipher=cipher, redis=redis)
            bank = InternalService("bench")
            settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement")
            customers = []
            for n in range(args.customers):
                user_id, session_id = n + 1, uuid.uuid4().hex
                await monitoring.sign_in(user_id=user_id, session_id=session_id, device_id=f"bench-phone-{n}")
                # Enterprise accounts owned by the customer: no Class II limit queries, so the
                # ledger's own work is as small as it gets and monitoring's share as large.
                pair = []
                for side in ("a", "b"):
                    account = await open_account(owner_user_id=user_id, kind=AccountKind.ENTERPRISE,
                                                 name=f"bench {n}{side}")
                    await alone.transfer(by=bank, from_account_id=settlement.id, to_account_id=account.id,
                                         amount=OPENING_BALANCE, idempotency_key=f"bench-opening-{n}{side}",
                                         kind=EntryKind.DEPOSIT)
                    pair.append(account.id)
                customers.append((Customer(user_id=user_id, session_id=session_id), pair[0], pair[1]))
            print(f"{args.customers} customers (2 accounts each), {args.clients} concurrent clients,"
                  f" {args.rounds} rounds of {args.seconds:.0f} s per side; rules: "
                  + ", ".join(f"{r.name} {r.action.value}" for r in await monitoring.rules() if r.enabled))
            sides = {"monitoring off": alone, "monitoring on": screened}
            results: dict[str, list[dict]] = {side: [] for side in sides}
            for round_number in range(1, args.rounds + 1):
                for side, ledger in sides.items():
                    result = await drive(side, ledger, args.clients, args.seconds, customers)
                    results[side].append(result)
                    print(f"round {round_number} {side:>14}: {result['per_second']:8.1f} transfers/s"
                          f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms"
                          f"  cpu {result['cpu_ms']:.2f} ms/transfer"
                          f"  ({result['transfers']} transfers, {result['failures']} failures)")
            rates = {side: statistics.mean(r["per_second"] for r in runs) for side, runs in results.items()}
            cpus = {side: statistics.mean(r["cpu_ms"] for r in runs) for side, runs in results.items()}
            for side in sides:
                print(f"{side:>14}: {rates[side]:8.1f} transfers/s (mean of {args.rounds} rounds),"
                      f" {cpus[side]:.2f} ms CPU per transfer")
            ratio = rates["monitoring on"] / rates["monitoring off"]
            print(f"ratio on/off: {ratio:.3f}, monitoring costs {100 * (1 - ratio):.1f}% of throughput"
                  f" and {cpus['monitoring on'] - cpus['monitoring off']:.2f} ms CPU per transfer (target: under 15%)")
            report = await reconcile()
            print("\n".join(report.lines()))
            failed = any(r["failures"] for runs in results.values() for r in runs)
            return 0 if report.clean and not failed else 1
        finally:
            await monitoring.aclose()
            await db.close_database(connections)
    finally:
        await redis.aclose()
        redis_server.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--customers", type=int, default=1000)
    sys.exit(asyncio.run(main(parser.parse_args())))
