"""The feed under load: 100,000 published items and 100,000 users with profiles, 16 clients.

Prints requests/s and p50/p99 of the first feed page and the next page, three ways: the
domain call (``ContentService.feed_page``), GraphQL ``feed(first: 20)`` and the plain JSON
``GET /content/feed.json`` returning the same 20 items, in-process over ASGI; then GraphQL and
plain JSON again from a uvicorn worker of their own, the clients in this process over loopback
(with the server's CPU per page), as a deployment serves them. Then the profile update lag at p99: a click ingested
through ``/track/batch`` until the customer's profile (and so their next page) has moved,
with the tracking worker and the content consumer running in the app as in embedded mode.
PostgreSQL on loopback and a redis-server of its own. Figures are noisy on a shared machine.

    .venv/bin/python bench/content_feed.py [--items 100000] [--users 100000] [--requests 400]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import server_cpu_seconds, wait_ready  # noqa: E402
from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.support import GraphQLClient, SignIn  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB = "superapp_bench_content"
TOPICS = [f"topic{n:02d}" for n in range(40)]
KINDS = ["article", "short_video", "live_stream", "product_card"]
CLIENTS = 16
FEED = "query($after: String) { feed(first: 20, after: $after) { ... on FeedPage { endCursor items { id kind title summary topics authorId } } } }"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def seed(items: int, users: int, bench_users: list[int]) -> None:
    conn = await asyncpg.connect(f"postgres://postgres@127.0.0.1:5432/{DB}")
    rng = random.Random(7)
    now = int(time.time() * 1000)
    stamp = datetime.now(UTC)
    rows = []
    for i in range(1, items + 1):
        kind = KINDS[i % 4]
        topics = orjson.dumps(rng.sample(TOPICS, 2)).decode()
        rows.append((i, kind, f"item {i}", "", "<p>x</p>" if kind == "article" else None, topics, "[]", 1 + i % 50,
                     "published", now - rng.randint(0, 30 * 86_400_000), now - 60_000, (1 + i % 5) if kind == "product_card" else None,
                     stamp, stamp))
    await conn.copy_records_to_table("content_item", records=rows, columns=[
        "id", "kind", "title", "summary", "body_html", "topics", "tags", "author_id", "state", "published_ms",
        "updated_ms", "risk_level", "created_at", "updated_at"])
    await conn.copy_records_to_table("content_item_stats", records=[
        (i, int(1000 / (1 + rank)), 0, 0, 0, 1000.0 / (1 + rank), now - 60_000)
        for rank, i in enumerate(rng.sample(range(1, items + 1), items))
    ], columns=["item_id", "exposures", "clicks", "likes", "shares", "score", "updated_ms"])
    profiles = []
    for u in range(1, users + 1):
        weights = {f"topic:{t}": round(rng.uniform(0.5, 5), 2) for t in rng.sample(TOPICS, 5)}
        weights[f"kind:{rng.choice(KINDS)}"] = 1.0
        profiles.append((u, orjson.dumps(weights).decode(), orjson.dumps(rng.sample(range(1, 20_001), 5)).decode(), now))
    await conn.copy_records_to_table("content_interest_profile", records=profiles,
                                     columns=["user_id", "weights", "recent_positive", "updated_ms"])
    neighbors = {(a, b): None for a in range(1, 20_001) for b in rng.sample(range(1, items + 1), 10) if a != b}
    await conn.copy_records_to_table("content_item_neighbor", records=[(a, b, rng.uniform(1, 10)) for a, b in neighbors],
                                     columns=["item_id", "neighbor_id", "weight"])
    seen = {(u, rng.randint(1, items)) for u in bench_users for _ in range(30)}
    await conn.copy_records_to_table("content_seen_item", records=[(u, i, False, False, now) for u, i in seen],
                                     columns=["user_id", "item_id", "dismissed", "liked", "at_ms"])
    await conn.execute("ANALYZE")
    await conn.close()


async def timed(clients: int, total: int, call) -> tuple[float, list[float], list[float]]:
    """``call(n) -> (first_ms, next_ms)``; clients run side by side until ``total`` pairs are done."""
    firsts, nexts, counter = [], [], iter(range(total))

    async def client() -> None:
        for n in counter:
            a, b = await call(n)
            firsts.append(a)
            nexts.append(b)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return 2 * total / (time.perf_counter() - started), firsts, nexts


def page_pairs(http: httpx.AsyncClient, sessions):
    """``call(n) -> (first_ms, next_ms)`` for GraphQL and for the plain JSON endpoint, as customer n % 16."""
    gql = GraphQLClient(http)

    async def graphql(n: int):
        token = sessions[n % CLIENTS].access_token
        t0 = time.perf_counter()
        page = await gql(FEED, {}, token=token)
        t1 = time.perf_counter()
        await gql(FEED, {"after": page["data"]["feed"]["endCursor"]}, token=token)
        return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000

    async def plain(n: int):
        headers = {"authorization": f"Bearer {sessions[n % CLIENTS].access_token}"}
        t0 = time.perf_counter()
        page = (await http.get("/content/feed.json?first=20", headers=headers)).json()
        t1 = time.perf_counter()
        await http.get(f"/content/feed.json?first=20&after={page['endCursor']}", headers=headers)
        return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000

    return graphql, plain


async def over_sockets(env: dict[str, str], sessions, requests: int) -> None:
    """The same GraphQL and plain JSON pages from a uvicorn worker of their own, its clients in this
    process over loopback: the server's event loop serves requests only (in-process, the 16 clients'
    own work shares the loop and counts in every latency). Also the server's CPU per page."""
    port = 8793
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "superapp.app:create_app", "--factory", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env, "TRACKING_WORKER_IN_APP": "0", "CONTENT_CONSUMER_IN_APP": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
            graphql, plain = page_pairs(http, sessions)
            await timed(CLIENTS, 64, graphql)  # warm: the worker's catalogue, pools, statement caches
            for name, call in (("GraphQL, own server process", graphql), ("plain JSON, own server process", plain)):
                cpu = server_cpu_seconds(server.pid)
                figures = await timed(CLIENTS, requests, call)
                per_page = (server_cpu_seconds(server.pid) - cpu) * 1000 / (2 * requests)
                line(name, *figures, extra=f"   server CPU {per_page:.2f} ms/page")
    finally:
        server.terminate()
        server.wait()


def line(name: str, rate: float, firsts: list[float], nexts: list[float], extra: str = "") -> None:
    print(f"{name:28s} {rate:8.0f} req/s   first page p50 {pct(firsts, 50):6.2f} p99 {pct(firsts, 99):6.2f} ms"
          f"   next page p50 {pct(nexts, 50):6.2f} p99 {pct(nexts, 99):6.2f} ms{extra}")


async def run(args: argparse.Namespace) -> None:
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    redis = RedisServer().start()
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}", "REDIS_URL": redis.url,
        "SECRET_KEY": "bench-secret", "PII_KEYS": "b1:" + base64.b64encode(b"k" * 32).decode(),
        "CHANNEL_PREFIX": "bench", "LOG_LEVEL": "WARNING", "REDIS_DURABILITY": "warn",
        "CARD_NETWORK_URL": "http://127.0.0.1:9", "CARD_NETWORK_PUBLIC_KEY": base64.b64encode(b"n" * 32).decode(),
        "CLEARING_BANK_SIGNING_KEY": base64.b64encode(b"b" * 32).decode(),
        "TRACKING_WORKER_IN_APP": "1", "CONTENT_CONSUMER_IN_APP": "1", "CONTENT_SETTLE_MS": "100",
        "LOGIN_CODES_PER_IP_PER_HOUR": "1000",
    }
    settings = Settings.from_env(env)
    await db.migrate(settings)
    from superapp.app import create_app

    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            gql = GraphQLClient(http)
            sessions = [await SignIn(gql, runtime)(f"139{n:08d}") for n in range(CLIENTS)]
            started = time.perf_counter()
            await seed(args.items, args.users, [s.user_id for s in sessions])
            print(f"seeded {args.items} items, {args.users} profiles in {time.perf_counter() - started:.0f} s; "
                  f"{CLIENTS} clients, {args.requests} first+next page pairs each way")
            await runtime.content.catalogue.current()
            svc = runtime.content

            async def domain(n: int):
                user = sessions[n % CLIENTS].user_id
                t0 = time.perf_counter()
                page = await svc.feed_page(user_id=user, first=20, after=None)
                t1 = time.perf_counter()
                await svc.feed_page(user_id=user, first=20, after=page.end_cursor)
                return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000

            graphql, plain = page_pairs(http, sessions)

            await timed(CLIENTS, 32, domain)  # warm up
            line("domain feed_page, 1 client", *(await timed(1, args.requests // 4, domain)))
            for name, call in (("domain feed_page", domain), ("GraphQL feed(first: 20)", graphql),
                               ("plain JSON /content/feed.json", plain)):
                line(name, *(await timed(CLIENTS, args.requests, call)))
            await over_sockets(env, sessions, args.requests)

            lags = []
            for n in range(args.lag_samples):
                who = sessions[n % CLIENTS]
                item = random.randint(1, args.items)
                topic = f"topic:{(await runtime.content.items(item_ids=[item]))[item].topics[0]}"
                before = (await svc.profile_of(user_id=who.user_id)).get(topic, 0.0)
                event = {"eventId": uuid.uuid4().hex, "type": "track", "name": "content_click", "anonymousId": "d1",
                         "userId": str(who.user_id), "createdAt": int(time.time() * 1000),
                         "sentAt": int(time.time() * 1000), "properties": {"itemId": str(item)}}
                t0 = time.perf_counter()
                answer = await http.post("/track/batch", content=orjson.dumps({"batch": [event]}), headers={
                    "authorization": f"Bearer {who.access_token}", "content-type": "application/json"})
                assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
                while (await svc.profile_of(user_id=who.user_id)).get(topic, 0.0) <= before + 0.5:
                    if time.perf_counter() - t0 > 10:
                        break
                    await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - t0) * 1000)
            print(f"profile lag, click ingested -> profile moved ({len(lags)} samples): p50 {pct(lags, 50):.0f} ms,"
                  f" p99 {pct(lags, 99):.0f} ms (target p99 < 2000 ms)")
            await http.aclose()
    finally:
        redis.kill()
        shutil.rmtree(redis.directory, ignore_errors=True)
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--lag-samples", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
