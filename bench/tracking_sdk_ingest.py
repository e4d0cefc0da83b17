"""Events/s through the Segment-shaped endpoint with the real SDKs: `segment-analytics-python`
and `rudder-sdk-python` clients (their own background threads batching to /v1/batch) against
one `superapp serve` on loopback, one `superapp worker tracking` draining into PostgreSQL.

Prints, per SDK, events/s accepted by the server (the SDK's flush returned) and stored (rows
in PostgreSQL), and stored vs sent. Its own database and redis-server, removed at the end.
Bounded: a fixed number of events and a timeout on every wait.

    .venv/bin/python bench/tracking_sdk_ingest.py [--events 20000] [--threads 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tracking_ingest import PG_ADMIN, SUPERAPP, free_port, wait_ready  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

APP = "mpbench000000001"


def make_key(env: dict) -> str:
    """A write key and a registered event for the bench app, through the service itself."""
    code = (
        "import asyncio\n"
        "from infra import db\nfrom infra.settings import Settings\nfrom tracking.models import WriteKey, EventDefinition\n"
        "from tracking.segment import new_write_key\n"
        "async def main():\n"
        "    context = await db.open_database(Settings.from_env())\n"
        "    key, digest = new_write_key()\n"
        f"    await WriteKey.create(app_id='{APP}', key_hash=digest)\n"
        f"    await EventDefinition.create(app_id='{APP}', name='fund_viewed', json_schema={{'type': 'object'}})\n"
        "    await db.close_database(context)\n"
        "    print(key)\n"
        "asyncio.run(main())\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]


def send(client_class, key: str, base: str, events: int, threads: int, errors: list) -> float:
    """Seconds for ``events`` tracks from ``threads`` application threads, flushed."""
    client = client_class(write_key=key, host=base, max_queue_size=events + 1, upload_size=100,
                          on_error=lambda error, batch: errors.append(error))
    per_thread = events // threads

    def calls() -> None:
        for i in range(per_thread):
            client.track(anonymous_id=f"dev-{i % 5000}", event="fund_viewed", properties={"fund": i % 40},
                         message_id=str(uuid.uuid4()))

    began = time.perf_counter()
    workers = [threading.Thread(target=calls) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    client.flush()
    client.shutdown()
    return time.perf_counter() - began


async def main() -> None:
    import rudderstack.analytics.client as rudder
    import segment.analytics.client as segment

    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    redis_server = RedisServer().start()
    database = f"bench_sdk_{os.getpid()}"
    database_url = f"postgres://postgres@127.0.0.1:5432/{database}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": f"{redis_server.url}/0", "LOG_LEVEL": "ERROR",
           "CHANNEL_PREFIX": f"benchsdk{os.getpid()}", "TRACKING_WORKER_IN_APP": "false",
           "SUPERAPP_DATA_DIR": f"/tmp/benchsdk{os.getpid()}", "TRACKING_MAX_BACKLOG": "1000000"}
    subprocess.run([SUPERAPP, "migrate"], env=env, check=True, capture_output=True)
    key = make_key(env)
    port = free_port()
    server = subprocess.Popen([SUPERAPP, "serve", "--no-migrate", "--port", str(port)], env=env, cwd=ROOT)
    worker = subprocess.Popen([SUPERAPP, "worker", "tracking"], env=env, cwd=ROOT)
    pg = await asyncpg.connect(database_url)
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base, server)
        expected = 0
        for name, client_class in (("segment-analytics-python", segment.Client), ("rudder-sdk-python", rudder.Client)):
            errors: list = []
            events = args.events // args.threads * args.threads
            seconds = await asyncio.to_thread(send, client_class, key, base, events, args.threads, errors)
            expected += events
            began, stored = time.perf_counter(), 0
            while time.perf_counter() - began < 300:
                stored = await pg.fetchval("SELECT count(*) FROM tracking_event")
                if stored >= expected:
                    break
                await asyncio.sleep(0.05)
            total = seconds + (time.perf_counter() - began)
            print(f"{name}: {events / seconds:,.0f} events/s accepted ({events:,} in {seconds:.1f} s,"
                  f" {args.threads} threads); {events / total:,.0f}/s stored; stored {stored - expected + events:,}"
                  f" of {events:,}; SDK errors {len(errors)}", flush=True)
    finally:
        await pg.close()
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)
        redis_server.kill()
        shutil.rmtree(redis_server.directory, ignore_errors=True)
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
