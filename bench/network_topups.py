"""Top-ups through the card network, end to end, then a day of 1,000,000 movements settled.

1. The fake network (its own process, answering in ``--latency-ms``) and ``superapp serve``
   (its own process, one worker, PostgreSQL and Redis) with the callback between them.
   First the network alone: signed debits straight to it from ``--clients`` clients (its own
   p50/p99). Then top-ups through GraphQL from as many clients, each measured from sending
   ``topUp`` to seeing it credited (the mutation waits for the notification; a PENDING
   answer is followed by polling ``cardMovement``).
2. A past day of ``--movements`` card movements written straight into the database (ledger
   entries, postings and clearing rows, by COPY) with the network's matching settlement file
   (signed, served by the fake as it is), then ``superapp ledger reconcile --date D`` as a
   process of its own: its seconds, its peak RSS (the file must stream) and its verdict.
   The same for a day of 1,000 movements, for the RSS of a small day beside it.

    .venv/bin/python bench/network_topups.py [--clients 16] [--topups 2000] [--latency-ms 50]
                                             [--movements 1000000]

Uses a throw-away database on 127.0.0.1:5432 (dropped at the end) and Redis at
BENCH_REDIS_URL. Figures are noisy on shared cores: read them as an order of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import httpx
import redis.asyncio as aioredis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fakes.cardnetwork import signing as network_signing  # noqa: E402

SUPERAPP = str(Path(sys.executable).parent / "superapp")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
CST = timezone(timedelta(hours=8))
TOP_UP = """mutation($input: CardMovementInput!) { topUp(input: $input) { __typename
  ... on CardMovementStarted { movement { id status } } ... on Error { message } } }"""
MOVEMENT = "query($id: ID!) { cardMovement(id: $id) { status } }"
HEADER = "networkRef,requestId,kind,card,account,amount,currency,status,settledAt\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def seed_of(key: Ed25519PrivateKey) -> str:
    return b64(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption()))


def public_of(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


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


def start_network(callback: str, network_key, bank_key, latency_ms: int, log) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.cardnetwork", "--callback-url", callback, "--network-key", seed_of(network_key),
         "--bank-public-key", public_of(bank_key), "--latency-ms", str(latency_ms)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    line = process.stdout.readline().strip()
    if not line.startswith("listening on "):
        raise RuntimeError(f"card network did not start: {line}")
    return process, line.removeprefix("listening on ")


async def seed_customers(environ: dict, count: int) -> list[str]:
    """``count`` signed-in customers, each with a Class II account and a bound card: their tokens."""
    from identity.service import Device
    from infra.settings import Settings
    from ledger.service import AccountKind, open_account
    from superapp.runtime import running

    tokens = []
    async with running(Settings.from_env(environ)) as runtime:
        for n in range(count):
            phone = f"1390000{n:04d}"
            await runtime.identity.request_login_code(phone=phone, client_ip=f"10.9.{n // 250}.{n % 250}")
            code = (await runtime.sms.latest_to(phone))
            code = next(word for word in code.replace("，", " ").split() if word.isdigit() and len(word) == 6)
            session = await runtime.identity.login(phone=phone, code=code,
                                                   device=Device(id=f"bench-device-{n:04d}", name="bench", platform="ios"))
            user_id = session.user.id
            await open_account(owner_user_id=user_id, kind=AccountKind.CLASS_TWO, name="Class II",
                               idempotency_key=f"bench:class-two:{user_id}")
            await runtime.ledger.bind_card(owner_user_id=user_id, card_number=luhn(f"62220{n:06d}", 19))
            tokens.append(session.access_token)
    return tokens


def luhn(prefix: str, length: int) -> str:
    body = prefix + "0" * (length - 1 - len(prefix))
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


async def network_alone(url: str, bank_key, clients: int, requests: int) -> list[float]:
    """Signed debits straight to the network: how long it takes to answer, by itself."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def client(http: httpx.AsyncClient) -> None:
        for n in counter:
            body = json.dumps({"requestId": f"alone-{n}", "card": "6222020000000015", "amount": 100,
                               "currency": "CNY", "description": "bench"}).encode()
            headers = network_signing.signed_headers(bank_key, "bank-1", "POST", "/cnet/v1/debits", body)
            started = time.perf_counter()
            answer = await http.post("/cnet/v1/debits", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 202, answer.text

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=clients)) as http:
        # Nobody at the bank asked for these: the network keeps them to itself.
        (await http.post("/admin/faults", json={"kind": "no_notification", "times": requests})).raise_for_status()
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies


async def top_ups(base: str, tokens: list[str], requests: int) -> tuple[list[float], float, int]:
    """Top-ups from one client per token, request to credited; (latencies, seconds, still pending)."""
    latencies: list[float] = []
    counter = iter(range(requests))
    polled = 0

    async def client(http: httpx.AsyncClient, token: str) -> None:
        nonlocal polled
        headers = {"authorization": f"Bearer {token}"}
        for n in counter:
            started = time.perf_counter()
            variables = {"input": {"amount": 100_00, "idempotencyKey": f"bench-topup-{n:08d}"}}
            answer = (await http.post("/graphql", json={"query": TOP_UP, "variables": variables},
                                      headers=headers)).json()["data"]["topUp"]
            assert answer["__typename"] == "CardMovementStarted", answer
            status = answer["movement"]["status"]
            while status == "PENDING":
                polled += 1
                await asyncio.sleep(0.005)
                status = (await http.post("/graphql", json={"query": MOVEMENT, "variables": {
                    "id": answer["movement"]["id"]}}, headers=headers)).json()["data"]["cardMovement"]["status"]
            assert status == "SUCCEEDED", answer
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30,
                                 limits=httpx.Limits(max_connections=len(tokens))) as http:
        await asyncio.gather(*(client(http, token) for token in tokens))
    return latencies, time.perf_counter() - started, polled


async def plant_day(database_url: str, day: date, movements: int, network_key, folder: Path) -> Path:
    """A day of settled card movements in the ledger and the clearing rows, and the network's file for it."""
    conn = await asyncpg.connect(database_url)
    try:
        clearing = await conn.fetchval("SELECT id FROM ledger_account WHERE opening_key = 'clearing:network'")
        accounts = [r["id"] for r in await conn.fetch(
            "SELECT id FROM ledger_account WHERE kind = 'class_two' ORDER BY id")]
        start = datetime.combine(day, datetime.min.time(), CST).astimezone(timezone.utc)
        step = 86_000 / movements
        prefix = f"D{day:%Y%m%d}"
        next_entry = await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM ledger_journal_entry") + 1
        balances: dict[int, int] = {a: 0 for a in accounts + [clearing]}
        entries, postings, rows = [], [], []
        path = folder / f"settlement-{day}.csv"
        digest, total = hashlib.sha256(), 0
        with path.open("w", newline="") as file:
            def write(text: str) -> None:
                digest.update(text.encode())
                file.write(text)

            write(HEADER)
            for n in range(movements):
                at = start + timedelta(seconds=n * step)
                account = accounts[n % len(accounts)]
                amount = 100 + n % 9_900
                kind, status = ("inbound", "succeeded") if n % 20 == 0 else (
                    ("topup", "declined") if n % 20 == 1 else ("topup", "succeeded"))
                request_id = f"{prefix}{n:08d}"
                ref = f"N{day:%Y%m%d}{n:010d}"
                entry_id = None
                if status == "succeeded":
                    entry_id = next_entry
                    next_entry += 1
                    entry_kind = "inbound_transfer" if kind == "inbound" else "topup"
                    entries.append((entry_id, f"clearing:{request_id}:credit", "0" * 64, entry_kind, "", "CNY", at))
                    balances[clearing] -= amount
                    balances[account] += amount
                    postings.append((entry_id, clearing, -amount, balances[clearing], False, at))
                    postings.append((entry_id, account, amount, balances[account], False, at))
                stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
                rows.append((request_id, kind, status, account, amount, "CNY", ref, True, entry_id, day, at, at, at,
                             0))
                network_kind = "INBOUND" if kind == "inbound" else "DEBIT"
                card = "" if kind == "inbound" else "622202******0015"
                write(f"{ref},{request_id},{network_kind},{card},,{amount},CNY,{status.upper()},{stamp}\n")
                total += amount
                if len(rows) >= 50_000:
                    await _copy(conn, entries, postings, rows)
            await _copy(conn, entries, postings, rows)
            control = f"{movements}\n{total}\n{digest.hexdigest()}"
            signature = b64(network_key.sign(f"CNET-V1-SETTLEMENT\n{day}\n{control}".encode()))
            file.write(f"TRAILER,{movements},{total},{digest.hexdigest()},{signature}\n")
        for account, change in balances.items():
            await conn.execute("UPDATE ledger_account SET balance = balance + $1 WHERE id = $2", change, account)
        await conn.execute("SELECT setval('ledger_journal_entry_id_seq', (SELECT MAX(id) FROM ledger_journal_entry))")
        await conn.execute("ANALYZE")
        return path
    finally:
        await conn.close()


async def _copy(conn, entries: list, postings: list, rows: list) -> None:
    await conn.copy_records_to_table("ledger_journal_entry", records=entries, columns=(
        "id", "idempotency_key", "fingerprint", "kind", "memo", "currency", "created_at"))
    await conn.copy_records_to_table("ledger_posting", records=postings, columns=(
        "entry_id", "account_id", "amount", "balance_after", "counts_toward_limits", "created_at"))
    await conn.copy_records_to_table("clearing_movement", records=rows, columns=(
        "request_id", "kind", "status", "account_id", "amount", "currency", "network_ref", "at_network",
        "final_entry_id", "business_day", "created_at", "updated_at", "settled_at", "queries"))
    entries.clear()
    postings.clear()
    rows.clear()


def reconcile(environ: dict, day: date) -> tuple[int, float, int, str]:
    """``superapp ledger reconcile --date D`` as its own process: exit code, seconds, peak RSS in MB, output."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen([SUPERAPP, "ledger", "reconcile", "--date", day.isoformat()], cwd=ROOT,
                                   env=environ, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        return process.returncode, elapsed, usage.ru_maxrss // 1024, output.read().decode()


async def main(args: argparse.Namespace) -> int:
    database = f"superapp_bench_network_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    database_url = f"postgres://postgres@127.0.0.1:5432/{database}"
    folder = Path(tempfile.mkdtemp(prefix="bench-network-"))
    bank_key, network_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    port = free_port()
    environ = {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SUPERAPP_DATA_DIR": str(folder / "var"),
        "CHANNEL_PREFIX": f"bench{os.getpid()}", "SECRET_KEY": "bench-secret", "PII_KEYS": "b1:" + b64(b"p" * 32),
        "LOG_LEVEL": "WARNING", "CLEARING_BANK_SIGNING_KEY": seed_of(bank_key),
        "CARD_NETWORK_PUBLIC_KEY": public_of(network_key), "CLEARING_WORKER_IN_APP": "false",
        "TRACKING_WORKER_IN_APP": "false", "LOGIN_CODES_PER_IP_PER_HOUR": "1000",
    }
    log = (folder / "processes.log").open("w")
    network = server = None
    redis = aioredis.Redis.from_url(REDIS_URL)
    await redis.flushdb()  # the bench's own Redis database: login-code counters of an earlier run
    await redis.aclose()
    try:
        subprocess.run([SUPERAPP, "migrate"], env=environ, check=True, capture_output=True)
        network, network_url = start_network(f"http://127.0.0.1:{port}/network/v1/notifications", network_key,
                                             bank_key, args.latency_ms, log)
        environ["CARD_NETWORK_URL"] = network_url
        tokens = await seed_customers(environ, args.clients)
        server = subprocess.Popen([SUPERAPP, "serve", "--no-migrate", "--port", str(port)], cwd=ROOT, env=environ,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        await wait_for(f"{base}/readyz", server)
        print(f"{args.clients} clients, the network answering in {args.latency_ms} ms, one server worker")

        alone = await network_alone(network_url, bank_key, args.clients, min(args.topups, 1_000))
        print(f"network alone: {len(alone)} signed debits, p50 {percentile(alone, 0.5):.1f} ms, "
              f"p99 {percentile(alone, 0.99):.1f} ms")
        await top_ups(base, tokens, args.clients * 4)  # warm up connections and caches
        latencies, seconds, polled = await top_ups(base, tokens, args.topups)
        print(f"top-ups end to end: {len(latencies)} in {seconds:.1f} s = {len(latencies) / seconds:.1f} top-ups/s; "
              f"request to credited p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms "
              f"(network's own p99 {percentile(alone, 0.99):.1f} ms; {polled} polls after a PENDING answer; "
              f"mean {statistics.mean(latencies) * 1000:.1f} ms; target p99 < 370 ms)")
        server.terminate()
        server.wait(timeout=30)
        server = None

        big_day, small_day = date(2026, 1, 15), date(2026, 1, 16)
        for day, count in ((small_day, 1_000), (big_day, args.movements)):
            started = time.perf_counter()
            path = await plant_day(database_url, day, count, network_key, folder)
            planted = time.perf_counter() - started
            async with httpx.AsyncClient(base_url=network_url) as http:
                (await http.post("/admin/settlement-file", json={"day": day.isoformat(), "path": str(path)})
                 ).raise_for_status()
            code, elapsed, rss, output = reconcile(environ, day)
            verdict = output.strip().splitlines()[-1]
            print(f"reconcile {day}: {count:,} movements (file {path.stat().st_size / 1e6:.0f} MB, planted in "
                  f"{planted:.0f} s): {elapsed:.1f} s, peak RSS {rss} MB, exit {code}, {verdict}")
            if code != 0:
                print(output[-3000:])
                return 1
        return 0
    finally:
        for process in (server, network):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        log.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        subprocess.run(["rm", "-rf", str(folder)], check=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--topups", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--movements", type=int, default=1_000_000)
    sys.exit(asyncio.run(main(parser.parse_args())))
