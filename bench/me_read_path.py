"""CPU per `me` request and per stage of it, in one process, PostgreSQL + Redis on loopback.

The real app (bench/bff_app.py's) is driven by calling its ASGI callable directly, so the
figures are ``time.process_time`` of this process alone, robust to load from others:

- a whole `me` request, and `{ __typename }` with the same token (auth without the read);
- the token check alone (first check and remembered), the revocation look-up in Redis
  alone, and authenticate (both);
- the signed-in user's row, each followed by the phone's decryption: through Tortoise
  models (what `me` did), Tortoise ``.values()``, one SQL statement through Tortoise's client,
  ``IdentityService.profiles`` (what `me` does now) and raw asyncpg on a connection of
  Tortoise's own pool (the floor);
- graphql-core's execution alone of home 20x8 and `me` (document parsed once): its own walk
  vs the persisted operation's compiled plan (bff/compiled.py).

Usage: .venv/bin/python bench/me_read_path.py [--requests 2000]   (bff_throughput.py calls it too)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import inspect
import json
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphql import execute, parse  # noqa: E402

from bench.bff_app import ENV, LOGIN, ME_QUERY, PHONE, TILES_QUERY, prepare_database  # noqa: E402
from bff.context import Context  # noqa: E402
from bff.execution import operation_plan  # noqa: E402


class Driver:
    """Calls an ASGI app directly: one request at a time, the answer collected."""

    def __init__(self, app) -> None:
        self.app = app

    async def post(self, document: dict, token: str | None = None) -> tuple[int, dict]:
        body = json.dumps(document).encode()
        headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
            "app": self.app, "state": {},
        }
        answer: dict = {"status": 0, "body": b""}
        sent = False

        async def receive():
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return answer["status"], json.loads(answer["body"])


async def sign_in(driver: Driver) -> str:
    await driver.post({"query": 'mutation { requestLoginCode(phone: "%s") { __typename } }' % PHONE})
    conn = await asyncpg.connect(ENV["DATABASE_URL"])
    body = await conn.fetchval("SELECT body FROM identity_sms_outbox ORDER BY id DESC LIMIT 1")
    await conn.close()
    code = re.search(r"\d{6}", body).group(0)
    _, result = await driver.post({"query": LOGIN % (PHONE, code)})
    return result["data"]["login"]["accessToken"]


async def cpu_per_call(call: Callable[[], Awaitable[object]], count: int) -> float:
    """CPU ms per call, sequential calls (the second half of 2 x count, the first warms)."""
    for _ in range(count // 4):
        await call()
    started = time.process_time()
    for _ in range(count):
        await call()
    return (time.process_time() - started) * 1000 / count


async def measure(count: int) -> dict[str, float]:
    from bench.bff_app import create_bench_app
    from identity.models import User

    os.environ.update(ENV)
    app = create_bench_app()
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        await runtime.redis.flushdb()
        driver = Driver(app)
        token = await sign_in(driver)
        status, me = await driver.post({"query": ME_QUERY}, token)
        assert status == 200 and me["data"]["me"]["maskedPhone"] == "138****9999", me
        identity = runtime.identity
        user_id = int(me["data"]["me"]["id"])
        gc.collect()
        gc.freeze()
        from tortoise.context import _current_context

        _current_context.set(runtime.database)
        connection = User._meta.db  # Tortoise's own pool: asyncpg below it, same server, same round trip
        columns = "id, phone_ciphertext, roles, created_at"

        async def tortoise_model() -> object:
            user = (await User.filter(id__in=[user_id]))[0]
            return identity.phone_of(user)

        async def tortoise_values() -> object:
            row = (await User.filter(id__in=[user_id]).values("id", "phone_ciphertext", "roles", "created_at"))[0]
            return runtime.identity._cipher.decrypt(row["phone_ciphertext"], context="phone")

        async def raw_asyncpg() -> object:
            async with connection.acquire_connection() as conn:
                row = await conn.fetchrow(f"SELECT {columns} FROM identity_user WHERE id = ANY($1::bigint[])", [user_id])
            return runtime.identity._cipher.decrypt(row["phone_ciphertext"], context="phone")

        async def tortoise_sql() -> object:
            rows = await connection.execute_query_dict(
                f"SELECT {columns} FROM identity_user WHERE id = ANY($1::bigint[])", [[user_id]])
            return runtime.identity._cipher.decrypt(rows[0]["phone_ciphertext"], context="phone")

        async def typename() -> object:
            return await driver.post({"query": "query T { __typename }"}, token)

        async def me_request() -> object:
            return await driver.post({"query": ME_QUERY}, token)

        async def verify() -> object:
            return identity._tokens.verify(token)

        async def first_verify() -> object:
            return identity._tokens._check(token)

        async def revocation() -> object:
            return await runtime.redis.exists("session:revoked:bench-session")

        async def profiles() -> object:
            return await identity.profiles(user_ids=(user_id,))

        async def authenticate() -> object:
            return await identity.authenticate(token)

        endpoint = next(r.endpoint for r in app.routes if getattr(r, "path", None) == "/graphql")
        principal = identity._tokens.verify(token)

        def execution(query: str, *, compiled: bool) -> Callable[[], Awaitable[object]]:
            """graphql-core's execution alone (parsed once), through the plan or its own walk."""
            document = parse(query)
            state = SimpleNamespace(persisted_query=hashlib.sha256(query.encode()).hexdigest()) if compiled else SimpleNamespace()
            context = Context(request=SimpleNamespace(state=state, scope={}), response=None, runtime=runtime,
                              principal=principal)

            async def run() -> object:
                result = execute(endpoint.schema._schema, document, context_value=context,
                                 executor_class=endpoint.schema.execution_context_class)
                return (await result) if inspect.isawaitable(result) else result

            return run

        for query in (ME_QUERY, TILES_QUERY):  # compiled plans exist once the hash has run
            digest = hashlib.sha256(query.encode()).hexdigest()
            persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
            await driver.post({"query": query, "extensions": persisted}, token)
            assert operation_plan(endpoint.schema._schema, digest, query.split()[1]) is not None
        figures = {}
        for name, call in (
            ("home 20x8 execution: graphql-core", execution(TILES_QUERY, compiled=False)),
            ("home 20x8 execution: compiled plan", execution(TILES_QUERY, compiled=True)),
            ("me execution: graphql-core", execution(ME_QUERY, compiled=False)),
            ("me execution: compiled plan", execution(ME_QUERY, compiled=True)),
            ("me request", me_request), ("{ __typename } with the token", typename),
            ("token check, first time", first_verify), ("token check, remembered", verify),
            ("revocation look-up (Redis EXISTS)", revocation), ("authenticate (token + Redis)", authenticate),
            ("user row: Tortoise models", tortoise_model), ("user row: Tortoise .values()", tortoise_values),
            ("user row: SQL via Tortoise's client", tortoise_sql), ("user row: identity.profiles", profiles),
            ("user row: raw asyncpg", raw_asyncpg),
        ):
            figures[name] = await cpu_per_call(call, count)
    return figures


def report(figures: dict[str, float]) -> None:
    print("in-process CPU ms per call (sequential, this process only)")
    for name, ms in figures.items():
        print(f"  {name:<38}{ms:>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(prepare_database())
    report(asyncio.run(measure(args.requests)))


if __name__ == "__main__":
    main()
