"""Test harness: real PostgreSQL and real Redis on loopback, a fresh state for every test.

Each pytest run creates its own PostgreSQL database (``TEST_DATABASE_NAME``, default
``superapp_test_<pid>``) as a copy of a migrated template, and truncates every table before
each test. The template (``superapp_template_<digest>``) is named by a digest of the
migrations, made by the first run that needs it and kept for the next runs: copying it
takes a fraction of a second where applying the migrations takes ~16 s a worker. Each run also starts its own redis-server on a free port (``TEST_REDIS_URL``
points at another one instead), flushed before each test. So two runs on one machine
never touch each other's data. Connections leaving loopback are refused.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import ipaddress
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn

from infra import db
from infra.settings import Settings
from tests.redis_server import RedisServer

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL")  # set in pytest_configure when not given
DATABASE_NAME = os.environ.get("TEST_DATABASE_NAME", f"superapp_test_{os.getpid()}")


def _loopback_only(event: str, args: tuple) -> None:
    """Tests talk only to this machine: any other address is refused before connecting."""
    if event != "socket.connect":
        return
    address = args[1]
    if not isinstance(address, tuple):
        return  # unix socket
    host = address[0]
    if host in ("localhost",):
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ConnectionRefusedError(f"tests may not connect to {host}: loopback only")


sys.addaudithook(_loopback_only)
_own_redis: RedisServer | None = None


def pytest_configure(config) -> None:
    global REDIS_URL, _own_redis
    if REDIS_URL is None:
        _own_redis = RedisServer().start()
        REDIS_URL = f"{_own_redis.url}/0"


def pytest_unconfigure(config) -> None:
    if _own_redis is not None:
        _own_redis.kill()  # nothing of a test run's Redis is kept
        shutil.rmtree(_own_redis.directory, ignore_errors=True)


def test_environ(**overrides: str) -> dict[str, str]:
    """The environment a test app is created from: real PostgreSQL and Redis, fixed keys."""
    base = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PII_KEYS": "t1:" + base64.b64encode(b"k" * 32).decode(),
        "CHANNEL_PREFIX": f"test{os.getpid()}",
        "LOG_LEVEL": "WARNING",
        # No card network unless a test starts one (tests/clearing): nothing listens on port 9.
        "CARD_NETWORK_URL": "http://127.0.0.1:9",
        "CARD_NETWORK_PUBLIC_KEY": base64.b64encode(b"n" * 32).decode(),
        "CLEARING_BANK_SIGNING_KEY": base64.b64encode(b"b" * 32).decode(),
        # Nor a lottery operator unless a test starts one (tests/lottery_operator.py).
        "LOTTERY_OPERATOR_URL": "http://127.0.0.1:9",
        "LOTTERY_OPERATOR_PUBLIC_KEY": base64.b64encode(b"o" * 32).decode(),
        "LOTTERY_BANK_SIGNING_KEY": base64.b64encode(b"l" * 32).decode(),
        # Tests write events on fixed dates; they are kept for good unless a test of the
        # retention sets a horizon (tests/tracking/test_retention.py).
        "TRACKING_RETENTION_DAYS": "0",
    }
    if os.environ.get("TEST_REDIS_URL"):  # a Redis this run did not start may keep no append-only file
        base["REDIS_DURABILITY"] = "warn"
    base.update(overrides)
    return base


ROOT = Path(__file__).resolve().parent.parent
_TEMPLATE_LOCK = 0x5A7E_0001  # the advisory lock runs take while they make or copy a template
_TEMPLATES_KEPT = 3  # templates of other migrations (other checkouts, earlier commits) kept besides


@lru_cache(maxsize=1)
def _migrations_digest() -> str:
    """What a migrated database (or data dir) is made from: every domain's migrations, infra
    (the Tortoise config, the keys a data dir is given) and the command that migrates."""
    digest = hashlib.sha256()
    sources = [*ROOT.glob("*/migrations/*.py"), *ROOT.glob("miniprograms/*/migrations/*.py"),
               *ROOT.glob("infra/*.py"), ROOT / "superapp" / "cli.py"]
    for path in sorted(sources):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


async def _copy_of_template(admin: asyncpg.Connection, name: str) -> None:
    """``name`` made afresh from the template of these migrations, the template made first if missing."""
    template = f"superapp_template_{_migrations_digest()}"
    await admin.execute("SELECT pg_advisory_lock($1)", _TEMPLATE_LOCK)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template):
            building = f"superapp_building_{os.getpid()}"
            await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{building}"')
            await db.migrate(Settings.from_env(test_environ(
                DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{building}")))
            # Named a template only once migrated: a run killed half-way leaves no half template.
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
            older = await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'superapp\\_template\\_%' AND datname <> $1"
                " ORDER BY oid DESC OFFSET $2", template, _TEMPLATES_KEPT)
            for row in older:
                await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}"')
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.execute("SELECT pg_advisory_unlock($1)", _TEMPLATE_LOCK)


def migrated_data_dir() -> Path:
    """An embedded mode's data dir (SQLite file, keys) that `superapp migrate` made: copy it, never open it.

    Made once per migrations digest, in a process of its own (the migrations take ~15 s on
    SQLite too, all of it Tortoise's), and kept under the temp dir for the next runs; a file
    lock makes workers and runs wait for the one that makes it. Tests of the first start
    itself (the README walk, `superapp migrate` in tests/test_embedded_mode.py) migrate anew.
    """
    cache = Path(tempfile.gettempdir()) / "superapp-test-templates"
    cache.mkdir(exist_ok=True)
    made = cache / f"data-{_migrations_digest()}"
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.is_dir():
            building = cache / f"building-{os.getpid()}"
            shutil.rmtree(building, ignore_errors=True)
            done = subprocess.run([sys.executable, "-m", "superapp.cli", "migrate"], cwd=ROOT,
                                  env={"SUPERAPP_DATA_DIR": str(building), "PATH": "/usr/bin:/bin"},
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
            with sqlite3.connect(building / "superapp.sqlite3") as folded:  # the write-ahead log into the file
                folded.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            building.rename(made)  # complete or absent: a run killed half-way leaves no half template
            older = sorted((d for d in cache.glob("data-*") if d != made), key=lambda d: d.stat().st_mtime)
            for stale in older[:-_TEMPLATES_KEPT] if len(older) > _TEMPLATES_KEPT else ():
                shutil.rmtree(stale, ignore_errors=True)
    return made


@pytest.fixture(scope="session")
def migrated_database() -> str:
    async def create() -> None:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await _copy_of_template(admin, DATABASE_NAME)
        finally:
            await admin.close()

    async def drop() -> None:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(create())
    yield DATABASE_NAME
    if not os.environ.get("TEST_KEEP_DATABASE"):
        asyncio.run(drop())


_RESET_SQL = """
DO $$
DECLARE
  t record;
  s record;
  filled text[] := '{}';
  found boolean;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t.tablename) INTO found;
    IF found THEN filled := filled || quote_ident(t.tablename); END IF;
  END LOOP;
  IF array_length(filled, 1) > 0 THEN
    EXECUTE 'TRUNCATE ' || array_to_string(filled, ', ') || ' CASCADE';
  END IF;
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$;
"""


async def _reset_state() -> None:
    conn = await asyncpg.connect(test_environ()["DATABASE_URL"])
    try:
        # TRUNCATE of every table costs ~0.6 s a test, most of it on tables the test never
        # touched: only the tables holding rows are truncated, and every sequence a test moved
        # (rolled-back inserts move them too) starts again at 1.
        await conn.execute(_RESET_SQL)
    finally:
        await conn.close()
    client = aioredis.Redis.from_url(test_environ()["REDIS_URL"])
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture
def environ(migrated_database: str, tmp_path) -> dict[str, str]:
    """Override entries in a test to change one setting: ``environ["X"] = "1"``."""
    return test_environ(SUPERAPP_DATA_DIR=str(tmp_path / "var"))


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_env(environ)


@pytest.fixture
async def clean_state(migrated_database: str) -> None:
    """An empty database and Redis, for a test that opens the services itself."""
    await _reset_state()


@pytest.fixture
async def app(settings: Settings):
    from superapp.app import create_app

    await _reset_state()
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def runtime(app):
    return app.state.runtime


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def gql(client):
    """POST a GraphQL document: ``await gql(query, variables, token=...)`` -> response JSON."""
    from tests.support import GraphQLClient

    return GraphQLClient(client)


@pytest.fixture
def sign_in(gql, runtime):
    """Sign a user in through the public login flow; optional roles are granted first."""
    from tests.support import SignIn

    return SignIn(gql, runtime)


@pytest.fixture
async def start_app(environ):
    """For tests that change settings: ``gql, runtime = await start_app()`` after editing environ."""
    from contextlib import AsyncExitStack

    from superapp.app import create_app
    from tests.support import GraphQLClient

    stack = AsyncExitStack()

    async def start():
        await _reset_state()
        application = create_app(Settings.from_env(environ))
        await stack.enter_async_context(application.router.lifespan_context(application))
        transport = httpx.ASGITransport(app=application)
        http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return GraphQLClient(http), application.state.runtime

    yield start
    await stack.aclose()


@pytest.fixture
async def sign_in_with(start_app):
    """``gql, runtime = await sign_in_with()`` then ``await sign_in_with.sign_in(phone)``."""
    from tests.support import SignIn

    class Starter:
        sign_in = None

        async def __call__(self):
            gql, runtime = await start_app()
            self.sign_in = SignIn(gql, runtime)
            return gql, runtime

    return Starter()


@pytest.fixture
async def server_url(app):
    """The test app behind a real HTTP server; the socket listens before the server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # tests send hundreds of requests at once (tests/test_redis_pool.py)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task
    sock.close()
