"""ETC merchant debits per second end to end: signed open-API requests from 16 merchants, with
the gateway's checks, ETC's caps and the ledger's direct debit, and /healthz beside them.

    .venv/bin/python bench/etc_debits.py [--seconds 5] [--merchants 16] [--cards 400]

``superapp serve`` (``--workers``, default 1) in embedded mode (SQLite + the app's own Redis) in a
temporary data dir, unless DATABASE_URL/REDIS_URL are set (then that PostgreSQL database,
which must be empty or ETC's own, and that Redis). Each merchant is its own open-platform app
and toll-operator enterprise; each request is a new HMAC-signed POST /openapi/v1/etc/debits
(new nonce, new Idempotency-Key) of 1 yuan from a random card of ``--cards``, so no card
reaches its daily caps. While the debits run, one more connection polls /healthz on the same
server; its latency is printed beside them. Target (issue 14): >= 500 debits/s, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mp_resolution import free_port, wait_ready  # noqa: E402

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋陕吉闽贵粤川"


def plates(n: int) -> list[str]:
    return [f"{PROVINCES[i % len(PROVINCES)]}A{i:05d}" for i in range(n)]


async def seed(environ: dict[str, str], merchants: int, cards: int) -> list[tuple[str, str, str]]:
    """(app id, secret, access token) of each merchant; ``cards`` cards on funded accounts."""
    from identity.roles import Role
    from infra import db
    from infra.settings import Settings
    from kyc.models import KycApplication, State
    from ledger.credit_code import check_character
    from ledger.service import (
        AccountKind, Customer, EntryKind, InternalService, MerchantCategory, Operator, open_account, open_enterprise,
    )
    from miniprogram_host import registry
    from miniprogram_host.actors import Actor
    from miniprograms.etc.graphql.access import etc_service
    from superapp.runtime import running

    settings = Settings.from_env(environ)
    await db.migrate(settings)
    found = []
    async with running(settings) as runtime:
        user = await runtime.identity.ensure_user(phone="13800000002", roles=[Role.DEVELOPER])
        dev = Actor(user.id, frozenset({Role.DEVELOPER}))
        org = await registry.create_org(actor=dev, name="ETC bench merchants")
        for i in range(merchants):
            app, secret = await registry.register_app(actor=dev, org_id=org.id, name=f"Toll {i}", category="finance",
                                                      description="")
            first17 = f"9144030{i + 1:010d}"
            enterprise = await open_enterprise(by=Operator(1), name=f"收费公路 {i}",
                                               credit_code=first17 + check_character(first17),
                                               merchant_category=MerchantCategory.TOLL_OPERATOR)
            await etc_service(runtime).register_merchant(app_id=app.app_id, enterprise_id=enterprise.id)
            token = await runtime.openplatform.tokens.issue(app_id=app.app_id)
            found.append((app.app_id, secret, token.token))
        settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="bench settlement",
                                        idempotency_key="bench-settlement")
        for n, plate in enumerate(plates(cards)):
            user_id = 900_000 + n
            account = await open_account(owner_user_id=user_id, kind=AccountKind.CLASS_TWO, name="bench")
            await runtime.ledger.transfer(by=InternalService("bench deposits"), from_account_id=settlement.id,
                                          to_account_id=account.id, amount=10_000_000, kind=EntryKind.DEPOSIT,
                                          idempotency_key=f"bench-deposit-{n}")
            await KycApplication.create(user_id=user_id, state=State.OPENED, name_masked="张*", account_id=account.id)
            await runtime.ledger.pins.set_pin(user_id=user_id, pin="135790")
            await etc_service(runtime).apply(by=Customer(user_id, "bench", pin="135790"), plate=plate)
    return found


async def load(base: str, seconds: float, merchants, cards: int) -> tuple[dict, dict]:
    import httpx

    from openplatform.partner import signed_headers

    all_plates = plates(cards)
    latencies: list[float] = []
    health: list[float] = []
    codes: dict[str, int] = {}
    stop = time.monotonic() + seconds
    path = "/openapi/v1/etc/debits"

    async def merchant(http: httpx.AsyncClient, app_id: str, secret: str, token: str) -> None:
        while time.monotonic() < stop:
            body = json.dumps({"plate": random.choice(all_plates), "amountFen": 100}).encode()
            headers = signed_headers(app_id=app_id, method="POST", path=path, body=body, app_secret=secret,
                                     access_token=token)
            headers.update({"idempotency-key": secrets.token_hex(12), "content-type": "application/json"})
            started = time.perf_counter()
            response = await http.post(base + path, content=body, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            code = "OK" if response.status_code == 201 else response.json().get("error", {}).get("code", "?")
            codes[code] = codes.get(code, 0) + 1

    async def healthz(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            await http.get(base + "/healthz")
            health.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.01)

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=len(merchants) + 1)) as http:
        await asyncio.gather(healthz(http), *(merchant(http, *m) for m in merchants))
    elapsed = time.perf_counter() - started
    return _figures(latencies, elapsed, codes), _figures(health, elapsed, {})


def _figures(latencies: list[float], elapsed: float, codes: dict) -> dict:
    latencies.sort()
    if not latencies:
        return {"rps": 0, "p50": 0, "p99": 0, "n": 0, "codes": codes}
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "n": len(latencies), "codes": codes}


_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def _fresh_database() -> str:
    import asyncpg

    name = f"etc_bench_{os.getpid()}"

    async def create() -> None:
        admin = await asyncpg.connect(_ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    asyncio.run(create())
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _drop_database(url: str) -> None:
    import asyncpg

    async def drop() -> None:
        admin = await asyncpg.connect(_ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--merchants", type=int, default=16)
    parser.add_argument("--cards", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of superapp serve")
    parser.add_argument("--postgres", action="store_true",
                        help="a database of its own on PostgreSQL at 127.0.0.1:5432 (user postgres), dropped after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="etc-bench-") as tmp:
        environ = {**os.environ, "SUPERAPP_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                   "OPENAPI_RATE_PER_SECOND": "1000000", "OPENAPI_DAILY_QUOTA": "100000000",
                   "LEDGER_CLASS_TWO_DAILY_FEN": "1000000000", "LEDGER_CLASS_TWO_YEARLY_FEN": "100000000000"}
        if args.postgres:
            environ["DATABASE_URL"] = _fresh_database()
        store = ("PostgreSQL" if "DATABASE_URL" in environ else "embedded SQLite") + " + the app's own Redis"
        seeding = time.perf_counter()
        merchants = asyncio.run(seed(environ, args.merchants, args.cards))
        print(f"seeded {args.merchants} merchants and {args.cards} cards in {time.perf_counter() - seeding:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "superapp"), "serve", "--port", str(port), "--no-migrate",
             "--workers", str(args.workers)],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(base, server)
            debits, health = asyncio.run(load(base, args.seconds, merchants, args.cards))
        finally:
            server.terminate()
            server.wait(timeout=30)
            if args.postgres:
                _drop_database(environ["DATABASE_URL"])
    print(f"superapp serve, {args.workers} uvicorn worker(s), {store}; python httpx client, {args.merchants} merchants "
          f"(one connection each), {args.seconds:g} s:")
    print(f"  ETC debits (signed, capped)  {debits['rps']:>7.0f} debits/s   p50 {debits['p50']:7.2f} ms   "
          f"p99 {debits['p99']:7.2f} ms   n={debits['n']}   answers {debits['codes']}")
    print(f"  /healthz beside them         {health['rps']:>7.0f} req/s      p50 {health['p50']:7.2f} ms   "
          f"p99 {health['p99']:7.2f} ms   n={health['n']}")
    met = debits["rps"] >= 500 and debits["p99"] < 50
    print(f"  target: >= 500 debits/s and p99 < 50 ms: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
