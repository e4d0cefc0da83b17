"""CPU per movement screened by transaction monitoring alone, ours and Redis's, without the ledger.

``MonitoringService.screen`` on made-up movements of 1,000 customers, all six default rules,
first one at a time, then 16 at once (as the ledger's concurrent callers ask it); each figure is
``time.process_time`` of this process, and the CPU ticks of the redis-server it started, per
screen: load on the machine's other cores moves them far less than wall-clock figures.

    .venv/bin/python bench/monitoring_screen.py [--screens 4000] [--rounds 2]

Uses a throw-away database on 127.0.0.1:5432 (for the rules' settings; dropped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402
from ledger.service import MovementFacts  # noqa: E402
from monitoring.service import MonitoringService  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CLIENTS = 16


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def facts(n: int) -> MovementFacts:
    # Small amounts between many customers: no rule trips, the cost of checking is measured.
    return MovementFacts(user_id=n % 1000 + 1, session_id="bench", kind="payment", amount=10_00, from_account_id=1,
                         counterparties=(2,), idempotency_key=f"screen-{n}", pin_typed=False, step_up_above=5_000_00)


async def main(args: argparse.Namespace) -> None:
    database_name = f"superapp_bench_screen_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{database_name}"')
    server = RedisServer().start()
    assert server.process is not None
    settings = Settings.from_env({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database_name}", "REDIS_URL": f"{server.url}/0",
        "SUPERAPP_DATA_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / database_name),
        "SECRET_KEY": "bench", "PII_KEYS": "b1:" + "a" * 43 + "=",
    })
    redis = aioredis.Redis.from_url(f"{server.url}/0")
    monitoring = MonitoringService(redis=redis)
    try:
        await db.migrate(settings)
        connections = await db.open_database(settings)
        try:
            counter = iter(range(10**9))

            async def one_at_a_time() -> None:
                for _ in range(args.screens):
                    await monitoring.screen(facts(next(counter)))

            async def sixteen_at_once() -> None:
                async def client() -> None:
                    for _ in range(args.screens // CLIENTS):
                        await monitoring.screen(facts(next(counter)))
                await asyncio.gather(*(client() for _ in range(CLIENTS)))

            await one_at_a_time()  # warm: the script loaded, the settings read
            print(f"{args.screens} screens per figure, 1,000 customers, all six rules (default settings)")
            for _ in range(args.rounds):
                for name, run in (("one at a time", one_at_a_time), (f"{CLIENTS} at once", sixteen_at_once)):
                    ours, theirs, wall = time.process_time(), cpu_seconds(server.process.pid), time.perf_counter()
                    await run()
                    per = 1e6 / args.screens
                    print(f"{name:>14}: {(time.process_time() - ours) * per:6.1f} us CPU per screen here, "
                          f"{(cpu_seconds(server.process.pid) - theirs) * per:5.1f} us in redis-server, "
                          f"{(time.perf_counter() - wall) * per:6.1f} us wall")
        finally:
            await db.close_database(connections)
    finally:
        await monitoring.aclose()
        await redis.aclose()
        server.kill()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
