"""1,000 concurrent prize claims over 100 tickets, end to end, against the fake operator.

The fake lottery operator (its own process) holds ``--tickets`` winning tickets; ``superapp
serve`` (its own process, ``--workers`` workers, PostgreSQL and Redis) takes ``--claims``
claims at once through GraphQL, each from a different verified customer, spread evenly over
the tickets (so each ticket is raced by claims/tickets customers). Printed: claims/s, p50/p99
from sending ``claimLotteryPrize`` to its answer, the outcomes, and the payouts in the ledger
and confirmations at the operator, which must both equal the tickets. Beside it, the peer:
the operator alone answering the same number of signed ticket look-ups at the same
concurrency (its p99). A 503 (the server shedding load: its Redis pool busy) is retried after
its Retry-After, counted, and the claim's time runs from its first try.

    .venv/bin/python bench/lottery_claims.py [--claims 1000] [--tickets 100] [--workers 1]

Uses a throw-away database on 127.0.0.1:5432 (dropped at the end) and a redis-server of its
own. Figures are noisy on shared cores: read them as an order of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fakes.lottery import signing as operator_signing  # noqa: E402
from tests.lottery_operator import lottery_operator  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.servers import free_port  # noqa: E402

SUPERAPP = str(Path(sys.executable).parent / "superapp")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CODE = "480613"
CLAIM = """mutation($input: ClaimLotteryPrizeInput!) { claimLotteryPrize(input: $input) {
  __typename ... on LotteryRefusal { code } } }"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def wait_for(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(1200):
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the process exited")
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} not ready")


async def seed_customers(environ: dict, count: int, pool: int) -> list[str]:
    """``count`` signed-in customers with a Class II account opened through KYC: their tokens."""
    from identity.service import Device
    from infra.settings import Settings
    from kyc.models import KycApplication, State
    from ledger.service import AccountKind, open_account
    from superapp.runtime import running

    tokens = []
    async with running(Settings.from_env(environ)) as runtime:
        for n in range(count):
            phone = f"1390000{n:04d}"
            await runtime.identity.request_login_code(phone=phone, client_ip=f"10.9.{n // 250}.{n % 250}")
            sms = await runtime.sms.latest_to(phone)
            code = next(word for word in sms.replace("，", " ").split() if word.isdigit() and len(word) == 6)
            session = await runtime.identity.login(phone=phone, code=code,
                                                   device=Device(id=f"bench-device-{n:04d}", name="bench",
                                                                 platform="ios"))
            account = await open_account(owner_user_id=session.user.id, kind=AccountKind.CLASS_TWO, name="Class II",
                                         idempotency_key=f"bench:class-two:{session.user.id}")
            await KycApplication.create(user_id=session.user.id, state=State.OPENED, name_masked="王*",
                                        account_id=account.id)
            tokens.append(session.access_token)
        await runtime.lottery.fund_prize_pool(amount=pool, idempotency_key="bench:pool")
    return tokens


async def operator_alone(operator, tickets: list[str], requests: int) -> list[float]:
    """Signed ticket look-ups straight to the operator, all at once: how long it answers, by itself."""
    key = operator_signing.private_key(operator.bank_seed)
    latencies: list[float] = []

    async def one(http: httpx.AsyncClient, n: int) -> None:
        path = f"/loto/v1/tickets/{tickets[n % len(tickets)]}"
        started = time.perf_counter()
        answer = await http.get(path, headers=operator_signing.signed_headers(key, "bank-1", "GET", path, b""))
        latencies.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text

    async with httpx.AsyncClient(base_url=operator.url, timeout=60,
                                 limits=httpx.Limits(max_connections=requests)) as http:
        await asyncio.gather(*(one(http, n) for n in range(requests)))
    return latencies


async def claims(base: str, tokens: list[str], tickets: list[str],
                 connections: int) -> tuple[list[float], float, collections.Counter]:
    """Every customer claims one ticket (customer n, ticket n mod tickets), all at once."""
    latencies: list[float] = []
    outcomes: collections.Counter = collections.Counter()

    async def one(http: httpx.AsyncClient, n: int, token: str) -> None:
        variables = {"input": {"ticketNumber": tickets[n % len(tickets)], "securityCode": CODE}}
        started = time.perf_counter()
        while True:  # a 503 says when to come back, as a client would; a dropped connection is retried
            try:
                answer = await http.post("/graphql", json={"query": CLAIM, "variables": variables},
                                         headers={"authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                outcomes[f"(retried after {type(exc).__name__})"] += 1
                continue
            if answer.status_code != 503:
                break
            outcomes["(retried after a 503)"] += 1
            await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        latencies.append(time.perf_counter() - started)
        body = answer.json() if answer.headers.get("content-type", "").startswith("application") else {}
        result = (body.get("data") or {}).get("claimLotteryPrize")
        if result is None:  # not an answer of the schema: counted by what the server said
            errors = body.get("errors") or [{}]
            outcomes[f"HTTP {answer.status_code} {errors[0].get('extensions', {}).get('code', '')}".strip()] += 1
            return
        outcomes[result.get("code") or result["__typename"]] += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=connections)) as http:
        await asyncio.gather(*(one(http, n, token) for n, token in enumerate(tokens)))
    return latencies, time.perf_counter() - started, outcomes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000)
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=200, help="the clients' sockets; every claim is sent "
                        "at once and waits for one")
    args = parser.parse_args()

    database = f"bench_lottery_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    redis_server = RedisServer().start()
    log = open(f"/tmp/{database}.log", "wb")
    server = None
    try:
        async with lottery_operator() as operator:
            environ = {
                "PATH": os.environ["PATH"], "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
                "REDIS_URL": f"{redis_server.url}/0", "SECRET_KEY": "bench-secret-key", "LOG_LEVEL": "WARNING",
                "SUPERAPP_DATA_DIR": f"/tmp/{database}", "CARD_NETWORK_URL": "http://127.0.0.1:9",
                "CARD_NETWORK_PUBLIC_KEY": "bmJubmJubmJubmJubmJubmJubmJubmJubmJubmJubmI=",
                "CLEARING_BANK_SIGNING_KEY": "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmI=",
                "LOTTERY_REQUEST_TIMEOUT_MS": "30000", **operator.environ(),
            }
            subprocess.run([SUPERAPP, "migrate"], cwd=ROOT, env=environ, check=True, capture_output=True)
            prize = 10_000  # 100 yuan each
            tickets = [await operator.ticket(prize=prize) for _ in range(args.tickets)]
            tokens = await seed_customers(environ, args.claims, pool=prize * args.tickets)
            peer = operator_alone(operator, tickets, args.claims)
            peer_latencies = await peer

            port = free_port()
            server = subprocess.Popen([SUPERAPP, "serve", "--no-migrate", "--port", str(port), "--workers",
                                       str(args.workers)], cwd=ROOT, env=environ, stdout=log, stderr=log)
            base = f"http://127.0.0.1:{port}"
            await wait_for(f"{base}/readyz", server)
            latencies, seconds, outcomes = await claims(base, tokens, tickets, args.connections)
            confirmed = len(await operator.confirmed())

        conn = await asyncpg.connect(environ["DATABASE_URL"])
        payouts = await conn.fetchval("SELECT count(*) FROM ledger_journal_entry WHERE kind = 'prize_payout'")
        paid_total = await conn.fetchval("SELECT COALESCE(sum(prize), 0) FROM lottery_prize_claim "
                                         "WHERE state = 'confirmed'")
        await conn.close()
        print(f"{args.claims} concurrent claims over {args.tickets} tickets, {args.workers} worker(s), "
              f"{args.connections} connections:")
        print(f"  {args.claims / seconds:.0f} claims/s ({seconds:.2f} s), p50 {percentile(latencies, 0.5):.0f} ms, "
              f"p99 {percentile(latencies, 0.99):.0f} ms")
        print(f"  outcomes: {dict(sorted(outcomes.items()))}")
        print(f"  payouts in the ledger: {payouts}, confirmed at the operator: {confirmed}, tickets: {args.tickets}, "
              f"paid {paid_total / 100:.2f} yuan -> {'OK' if payouts == confirmed == args.tickets else 'MISMATCH'}")
        print(f"  peer, the operator alone: {args.claims} signed look-ups at once, p50 "
              f"{percentile(peer_latencies, 0.5):.0f} ms, p99 {percentile(peer_latencies, 0.99):.0f} ms "
              f"(claim p99 / look-up p99: {percentile(latencies, 0.99) / percentile(peer_latencies, 0.99):.1f}x)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        log.close()
        redis_server.kill()
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
