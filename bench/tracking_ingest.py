"""Tracking ingest and storage on loopback: batches of 50 from concurrent clients against a
real uvicorn server, one `superapp worker tracking` process draining into PostgreSQL.

Runs once per Redis persistence policy, each against a redis-server of its own started for
the run: no append-only file ("off", a lossy baseline), and appendfsync no, everysec and
always. Prints, for each, events/s ingested and persisted, ingest p99, end-to-end lag p99,
stored vs sent, and the raw pipelined XADD rate of the same events from Python as the
ceiling; then a table of the policies side by side. Bounded: a fixed number of events, and
a timeout on every wait. Figures are noisy on a shared 2-core machine.

    .venv/bin/python bench/tracking_ingest.py [--events 200000] [--clients 16] [--policies everysec,always] [--rounds 2]
        [--server-workers N] [--cluster]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import orjson
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.redis_cluster import LocalRedisCluster  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
SUPERAPP = str(Path(sys.executable).parent / "superapp")
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BATCH = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_batches(total: int) -> list[bytes]:
    """Realistic ~300-byte events: page views, exposures and clicks of 5,000 devices."""
    now = int(time.time() * 1000)
    batches = []
    for b in range(total // BATCH):
        events = []
        for i in range(BATCH):
            n = b * BATCH + i
            kind = n % 3
            ev = {
                "eventId": uuid.uuid4().hex, "anonymousId": f"device-{n % 5000:05d}", "sessionId": f"s-{n % 900}",
                "createdAt": now - 800, "sentAt": now,
                "context": {"platform": "android", "appVersion": "5.2.0", "os": "Android", "deviceModel": "PJD110",
                            "network": "5g", "locale": "zh-CN", "timeZone": "Asia/Shanghai"},
            }
            if kind == 0:
                ev.update(type="page", page=f"/wealth/funds/{n % 40}", referrer="/home")
            else:
                ev.update(type="track", name="$exposure" if kind == 1 else "$click", page="/home",
                          properties={"placement": f"home-banner-{n % 6}", "position": n % 6})
            events.append(ev)
        batches.append(orjson.dumps({"sentAt": now, "batch": events}))
    return batches


async def wait_ready(base: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError("server exited early")
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("server not ready")


async def post_loop(port: int, queue: list[bytes], latencies: list[float]) -> int:
    """One keep-alive HTTP/1.1 connection posting batches; a bare client so that the
    load generator takes little of the two cores the server also needs."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    retries = 0
    head = b"POST /track/batch HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: "
    try:
        while queue:
            body = queue.pop()
            while True:
                started = time.perf_counter()
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                status_line = await reader.readline()
                headers = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                answer = await reader.readexactly(int(headers["content-length"]))
                latencies.append(time.perf_counter() - started)
                status = int(status_line.split()[1])
                if status == 503:  # backpressure: honour Retry-After, never drop
                    retries += 1
                    await asyncio.sleep(float(headers.get("retry-after", "1")))
                    continue
                assert status == 200 and orjson.loads(answer)["accepted"] == BATCH, answer
                break
    finally:
        writer.close()
    return retries


async def send_all(port: int, batches: list[bytes], clients: int) -> tuple[list[float], int, float, float]:
    latencies: list[float] = []
    queue = list(reversed(batches))
    started = time.perf_counter()
    retries = await asyncio.gather(*(post_loop(port, queue, latencies) for _ in range(clients)))
    return latencies, sum(retries), started, time.perf_counter()


async def raw_xadd_rate(redis: aioredis.Redis, stream: str, batches: list[bytes], limit: int) -> tuple[int, float]:
    """The same events, appended by pipelined XADD from Python: the ceiling of ingest."""
    payloads = [orjson.dumps(ev) for body in batches for ev in orjson.loads(body)["batch"]][:limit]
    started = time.perf_counter()
    for i in range(0, len(payloads), 500):
        async with redis.pipeline(transaction=False) as pipe:
            for payload in payloads[i:i + 500]:
                pipe.xadd(stream, {"e": payload})
            await pipe.execute()
    elapsed = time.perf_counter() - started
    await redis.delete(stream)
    return len(payloads), elapsed


async def redis_cpu_seconds(urls: list[str]) -> float:
    """User + system CPU the redis-server processes at these URLs have used (INFO cpu)."""
    total = 0.0
    for url in urls:
        client = aioredis.Redis.from_url(url)
        try:
            info = await client.info("cpu")
        finally:
            await client.aclose()
        total += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return total


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants (uvicorn's worker processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, total = {root}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in stats.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    for pid in tree:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


POLICIES = {  # label -> redis-server options; "off" keeps no append-only file (lossy: a baseline only)
    "off": {"appendonly": "no"},
    "no": {"appendonly": "yes", "appendfsync": "no"},
    "everysec": {"appendonly": "yes", "appendfsync": "everysec"},
    "always": {"appendonly": "yes", "appendfsync": "always"},
}


async def run_policy(policy: str, args: argparse.Namespace, batches: list[bytes]) -> dict:
    """One full run against a redis-server of its own with this persistence policy."""
    total = len(batches) * BATCH
    redis_server = RedisServer(**POLICIES[policy]).start()
    redis_url = f"{redis_server.url}/0"
    cluster = LocalRedisCluster(Path(redis_server.directory) / "cluster").start() if args.cluster else None
    database = f"bench_tracking_{os.getpid()}_{policy}"
    prefix = f"bench{os.getpid()}"
    database_url = f"postgres://postgres@127.0.0.1:5432/{database}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    # REDIS_DURABILITY=warn: the "off" and "no" baselines are what the start-up check refuses
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CHANNEL_PREFIX": prefix,
           "LOG_LEVEL": "ERROR", "TRACKING_WORKER_IN_APP": "false", "TRACKING_MAX_BACKLOG": "1000000",
           "SUPERAPP_DATA_DIR": f"/tmp/{prefix}", "TRACKING_WORKER_BATCH": "2000", "REDIS_DURABILITY": "warn"}
    if cluster is not None:  # the stream and its keys on the 3-master cluster, the rest on the policy's server
        env["TRACKING_REDIS_URL"] = cluster.url
    subprocess.run([SUPERAPP, "migrate"], env=env, check=True, capture_output=True)
    redis = aioredis.Redis.from_url(redis_url)
    port = free_port()
    server = subprocess.Popen([SUPERAPP, "serve", "--no-migrate", "--port", str(port),
                               "--workers", str(args.server_workers)], env=env, cwd=ROOT)
    worker = subprocess.Popen([SUPERAPP, "worker", "tracking"], env=env, cwd=ROOT)
    pg = await asyncpg.connect(database_url)
    try:
        await wait_ready(f"http://127.0.0.1:{port}", server)
        tracking_redis = [redis_url] if cluster is None else [f"redis://127.0.0.1:{p}" for p in cluster.ports]
        redis_cpu = await redis_cpu_seconds(tracking_redis)
        server_cpu, worker_cpu = cpu_seconds(server.pid), cpu_seconds(worker.pid)
        client_cpu = time.process_time()

        latencies, retries, started, sent_done = await send_all(port, batches, args.clients)
        client_cpu = time.process_time() - client_cpu
        deadline = time.monotonic() + 300
        stored = 0
        while time.monotonic() < deadline:
            stored = await pg.fetchval("SELECT count(*) FROM tracking_event")
            if stored >= total:
                break
            await asyncio.sleep(0.05)
        stored_done = time.perf_counter()
        server_cpu, worker_cpu = cpu_seconds(server.pid) - server_cpu, cpu_seconds(worker.pid) - worker_cpu
        redis_cpu = await redis_cpu_seconds(tracking_redis) - redis_cpu
        lag_p99, first, last = await pg.fetchrow(
            "SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - received_at)),"
            " min(received_at), max(stored_at) FROM tracking_event"
        )
        distinct = await pg.fetchval("SELECT count(DISTINCT event_id) FROM tracking_event")
        raw_n, raw_s = await raw_xadd_rate(redis, f"{prefix}:bench:raw", batches, 100_000)

        ingest_rate = total / (sent_done - started)
        persist_rate = total / (stored_done - started)
        raw_rate = raw_n / raw_s
        print(f"--- Redis persistence: {policy} ({' '.join(f'{k} {v}' for k, v in POLICIES[policy].items())})")
        print(f"events sent                 {total} in {len(batches)} requests from {args.clients} clients "
              f"({args.server_workers} uvicorn worker(s), 1 tracking worker"
              f"{', tracking on a 3-master Redis Cluster' if cluster else ''})")
        print(f"ingested                    {ingest_rate:,.0f} events/s ({len(batches) / (sent_done - started):,.0f} req/s)")
        print(f"persisted (send start->all stored) {persist_rate:,.0f} events/s "
              f"(server clock: {total / (last - first).total_seconds():,.0f} events/s)")
        print(f"ingest p99                  {p99(latencies) * 1000:.1f} ms per batch of {BATCH} "
              f"(p50 {sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms), 503 retries: {retries}")
        print(f"end-to-end lag p99          {lag_p99 * 1000:.0f} ms (received -> committed)")
        print(f"stored vs sent              {stored} stored ({distinct} distinct) / {total} sent: "
              f"{'EQUAL' if stored == distinct == total else 'MISMATCH'}")
        print(f"CPU used                    server {server_cpu:.1f} s ({total / server_cpu:,.0f} events per CPU-second), "
              f"worker {worker_cpu:.1f} s ({total / worker_cpu:,.0f} events per CPU-second), "
              f"load generator {client_cpu:.1f} s over {sent_done - started:.1f} s")
        print(f"tracking's redis-server CPU {redis_cpu:.2f} s ({total / max(redis_cpu, 1e-9):,.0f} events per CPU-second"
              f"{', all 3 masters' if cluster else ''})")
        print(f"raw XADD ceiling            {raw_rate:,.0f} events/s (pipelined, 500 per round trip, {raw_n} events)")
        print(f"ingest / raw XADD           {ingest_rate / raw_rate:.2f}", flush=True)
        return {"ingest": ingest_rate, "persist": persist_rate, "p99": p99(latencies), "raw": raw_rate,
                "equal": stored == distinct == total}
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        await pg.close()
        await redis.aclose()
        if cluster is not None:
            cluster.stop()
        redis_server.kill()
        shutil.rmtree(redis_server.directory, ignore_errors=True)
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--cluster", action="store_true",
                        help="tracking's Redis (TRACKING_REDIS_URL) is a 3-master Redis Cluster on loopback")
    parser.add_argument("--policies", default=",".join(POLICIES), help=f"some of {', '.join(POLICIES)}")
    parser.add_argument("--rounds", type=int, default=1, help="policies alternate, round after round")
    args = parser.parse_args()
    total = args.events // BATCH * BATCH
    print(f"preparing {total} events in batches of {BATCH} ...", flush=True)
    batches = make_batches(total)
    results: dict[str, list[dict]] = {policy: [] for policy in args.policies.split(",")}
    for _ in range(args.rounds):
        for policy, runs in results.items():
            runs.append(await run_policy(policy, args, batches))

    def spread(runs: list[dict], key: str, scale: float = 1.0) -> str:
        values = sorted(r[key] * scale for r in runs)
        return f"{values[0]:,.0f}" if len(values) == 1 else f"{values[0]:,.0f}-{values[-1]:,.0f}"

    print(f"\nby Redis persistence ({args.rounds} round(s), same run)")
    print(f"  {'policy':<10} {'ingested/s':>15} {'persisted/s':>15} {'ingest p99 ms':>15} {'raw XADD/s':>15}  stored = sent")
    for policy, runs in results.items():
        print(f"  {policy:<10} {spread(runs, 'ingest'):>15} {spread(runs, 'persist'):>15} "
              f"{spread(runs, 'p99', 1000):>15} {spread(runs, 'raw'):>15}  {'yes' if all(r['equal'] for r in runs) else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
