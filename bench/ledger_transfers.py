"""Ledger transfers on PostgreSQL: the ledger service against plain asyncpg doing the same work.

N concurrent clients transfer random amounts between random pairs of 1,000 accounts for a
fixed time, first through ``LedgerService.transfer`` (Tortoise), then with raw asyncpg SQL
taking the same row locks (SELECT ... FOR UPDATE in id order), the same idempotency look-up,
the same inserts and balance updates. Then the whole ledger is reconciled.

    .venv/bin/python bench/ledger_transfers.py [--clients 16] [--seconds 5] [--rounds 2] [--accounts 1000]

Uses a throw-away database on 127.0.0.1:5432 (dropped at the end). Figures are noisy on
shared cores: read them as an order of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.reconcile import reconcile  # noqa: E402
from ledger.config import LedgerSettings  # noqa: E402
from ledger.service import AccountKind, EntryKind, InternalService, LedgerService, open_account  # noqa: E402
from infra import db  # noqa: E402
from infra.pii import PiiCipher  # noqa: E402
from infra.settings import Settings  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OPENING_BALANCE = 1_000_000_00


def fingerprint(source: int, target: int, amount: int) -> str:
    canonical = json.dumps({"legs": sorted([(source, -amount), (target, amount)]), "memo": "", "kind": "transfer",
                            "reverses": None}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def raw_transfer(pool: asyncpg.Pool, source: int, target: int, amount: int, key: str) -> None:
    """What the service does for one transfer, in hand-written SQL."""
    now = datetime.now(timezone.utc)
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT id, balance, status, kind, currency FROM ledger_account WHERE id = ANY($1::bigint[])"
            " ORDER BY id FOR UPDATE", sorted((source, target)),
        )
        if await conn.fetchval("SELECT id FROM ledger_journal_entry WHERE idempotency_key = $1", key):
            return
        balances = {r["id"]: r["balance"] for r in rows}
        if any(r["status"] != "active" for r in rows):
            raise RuntimeError("account not active")
        after_source, after_target = balances[source] - amount, balances[target] + amount
        if after_source < 0:
            raise RuntimeError("insufficient funds")
        entry_id = await conn.fetchval(
            "INSERT INTO ledger_journal_entry (idempotency_key, fingerprint, kind, memo, currency, created_at)"
            " VALUES ($1, $2, 'transfer', '', 'CNY', $3) RETURNING id",
            key, fingerprint(source, target, amount), now,
        )
        await conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, balance_after, counts_toward_limits, created_at)"
            " VALUES ($1, $2, $3, $4, false, $5), ($1, $6, $7, $8, false, $5)",
            entry_id, source, -amount, after_source, now, target, amount, after_target,
        )
        await conn.execute("UPDATE ledger_account SET balance = $2 WHERE id = $1", source, after_source)
        await conn.execute("UPDATE ledger_account SET balance = $2 WHERE id = $1", target, after_target)


async def drive(name: str, clients: int, seconds: float, account_ids: list[int], one_transfer) -> dict:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    # Fresh keys every round: reused keys would make later rounds measure idempotent replays.
    run = uuid.uuid4().hex[:12]

    async def client(number: int) -> None:
        nonlocal failures
        rng = random.Random(number)
        sent = 0
        while time.perf_counter() < deadline:
            source, target = rng.sample(account_ids, 2)
            sent += 1
            started = time.perf_counter()
            try:
                await one_transfer(source, target, rng.randint(1, 100_00), f"{name}:{run}:{number}:{sent}")
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
        "name": name,
        "transfers": len(latencies),
        "failures": failures,
        "per_second": len(latencies) / elapsed,
        # This process's CPU per transfer: steadier than throughput on shared cores.
        "cpu_ms": cpu * 1000 / max(len(latencies), 1),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
    }


async def main(args: argparse.Namespace) -> int:
    database_name = f"superapp_bench_ledger_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{database_name}"')
    url = f"postgres://postgres@127.0.0.1:5432/{database_name}"
    settings = Settings.from_env({
        "DATABASE_URL": f"{url}?maxsize={args.clients}",
        "SUPERAPP_DATA_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / database_name),
        "SECRET_KEY": "bench", "PII_KEYS": "b1:" + "a" * 43 + "=",
    })
    try:
        await db.migrate(settings)
        connections = await db.open_database(settings)
        try:
            # An internal service gives no PIN, so the ledger never reaches Redis here.
            ledger = LedgerService(settings=LedgerSettings(), cipher=PiiCipher.from_settings(settings),
                                   redis=aioredis.Redis())
            bench = InternalService("bench")
            settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement")
            account_ids = []
            for n in range(args.accounts):
                # Enterprise accounts: no Class II limit queries, so both sides do exactly the same
                # work, and an internal service may move their money without a customer's PIN.
                account = await open_account(owner_user_id=n + 1, kind=AccountKind.ENTERPRISE, name=f"bench {n}")
                await ledger.transfer(by=bench, from_account_id=settlement.id, to_account_id=account.id,
                                      amount=OPENING_BALANCE, idempotency_key=f"bench-opening-{n}",
                                      kind=EntryKind.DEPOSIT)
                account_ids.append(account.id)
            print(f"{args.accounts} accounts, {args.clients} concurrent clients,"
                  f" {args.rounds} rounds of {args.seconds:.0f} s per side")

            async def service_transfer(source, target, amount, key):
                await ledger.transfer(by=bench, from_account_id=source, to_account_id=target, amount=amount,
                                      idempotency_key=key)

            pool = await asyncpg.create_pool(url, min_size=args.clients, max_size=args.clients)
            results = {"ledger service": [], "raw asyncpg": []}
            try:
                # Alternate the two sides so drifting load on shared cores hits both alike.
                for round_number in range(1, args.rounds + 1):
                    for result in (
                        await drive("ledger service", args.clients, args.seconds, account_ids, service_transfer),
                        await drive("raw asyncpg", args.clients, args.seconds, account_ids,
                                    lambda s, t, a, k: raw_transfer(pool, s, t, a, k)),
                    ):
                        results[result["name"]].append(result)
                        print(f"round {round_number} {result['name']:>15}: {result['per_second']:8.1f} transfers/s"
                              f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  cpu {result['cpu_ms']:.2f} ms/transfer"
                              f"  ({result['transfers']} transfers, {result['failures']} failures)")
            finally:
                await pool.close()
            rates = {side: statistics.mean(r["per_second"] for r in runs) for side, runs in results.items()}
            for side, rate in rates.items():
                cpu = statistics.mean(r["cpu_ms"] for r in results[side])
                print(f"{side:>15}: {rate:8.1f} transfers/s (mean of {args.rounds} rounds), {cpu:.2f} ms CPU per transfer")
            print(f"ratio service/raw: {rates['ledger service'] / rates['raw asyncpg']:.2f} (target >= 0.50)")
            report = await reconcile()
            print("\n".join(report.lines()))
            failed = any(r["failures"] for runs in results.values() for r in runs)
            return 0 if report.clean and not failed else 1
        finally:
            await db.close_database(connections)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=1000)
    sys.exit(asyncio.run(main(parser.parse_args())))
