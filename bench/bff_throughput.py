"""GraphQL vs plain JSON on one uvicorn worker, PostgreSQL + Redis, wrk on loopback.

Prints requests/s, p50 and p99 for: the `me` query, a 20x8 home-like list through GraphQL,
and a plain Starlette endpoint returning the same list; then the throughput ratio.
Usage: .venv/bin/python bench/bff_throughput.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402

DB = "superapp_bench"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "REDIS_DURABILITY": "warn",  # the shared Redis of scripts/test keeps no file; throughput is measured here
    "SECRET_KEY": "bench-secret",
    "PII_KEYS": "b1:" + "YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoMTI=",
    "LOG_LEVEL": "WARNING",
    "LOGIN_CODES_PER_IP_PER_HOUR": "1000",
}
TILES_QUERY = "query Home { tiles { id title subtitle iconUrl deepLink badge position enabled } }"
ME_QUERY = "query Me { me { id maskedPhone roles } }"


async def prepare_database() -> None:
    admin = await asyncpg.connect("postgres://postgres@127.0.0.1:5432/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    await db.migrate(Settings.from_env(ENV))


def start_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bff_app:create_bench_app", "--factory",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def sign_in(base: str) -> str:
    from redis.asyncio import Redis

    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(200):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        await (Redis.from_url(ENV["REDIS_URL"])).flushdb()
        phone = "13800009999"
        await http.post("/graphql", json={"query": 'mutation { requestLoginCode(phone: "%s") { __typename } }' % phone})
        conn = await asyncpg.connect(ENV["DATABASE_URL"])
        body = await conn.fetchval("SELECT body FROM identity_sms_outbox ORDER BY id DESC LIMIT 1")
        await conn.close()
        code = re.search(r"\d{6}", body).group(0)
        result = await http.post("/graphql", json={"query": 'mutation { login(phone: "%s", code: "%s", device: {id: "bench-device-01", platform: IOS}) { ... on AuthSession { accessToken } } }' % (phone, code)})
        return result.json()["data"]["login"]["accessToken"]


def wrk(url: str, *, body: str | None, token: str | None, seconds: int, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lines = []
    if body is not None:
        lines += ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}", 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines.append("""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end""")
    script.write("\n".join(lines))
    script.close()
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    requests, duration_us, p50_us, p99_us, errors = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", out).groups()
    return {"rps": int(requests) / (int(duration_us) / 1e6), "p50_ms": float(p50_us) / 1000,
            "p99_ms": float(p99_us) / 1000, "errors": int(errors)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    asyncio.run(prepare_database())
    port = 8790
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = asyncio.run(sign_in(base))
        # warm up the parser/validation caches and connection pools
        wrk(f"{base}/graphql", body=json.dumps({"query": TILES_QUERY}), token=None, seconds=2, connections=4)
        wrk(f"{base}/graphql", body=json.dumps({"query": ME_QUERY}), token=token, seconds=2, connections=4)
        runs = {
            "graphql me": wrk(f"{base}/graphql", body=json.dumps({"query": ME_QUERY}), token=token, seconds=args.seconds, connections=args.connections),
            "graphql home 20x8": wrk(f"{base}/graphql", body=json.dumps({"query": TILES_QUERY}), token=None, seconds=args.seconds, connections=args.connections),
            "plain json 20x8": wrk(f"{base}/plain/tiles", body="{}", token=None, seconds=args.seconds, connections=args.connections),
        }
        rss = int(Path(f"/proc/{server.pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
    finally:
        server.terminate()
        server.wait()
    print(f"one uvicorn worker, {args.connections} connections, {args.seconds}s each, server RSS {rss} MB")
    print(f"{'scenario':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in runs.items():
        print(f"{name:<20}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['errors']:>8}")
    ratio = runs["plain json 20x8"]["rps"] / runs["graphql home 20x8"]["rps"]
    print(f"plain JSON / GraphQL home throughput ratio: {ratio:.2f}x (target: within 4x)")


if __name__ == "__main__":
    main()
