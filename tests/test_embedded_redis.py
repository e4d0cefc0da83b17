"""The embedded Redis belongs to the process that started it: others join, and it dies with its owner.

Embedded mode (no REDIS_URL) in subprocesses, as a newcomer runs it: SQLite and the
redis-server the app starts itself under the data dir.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis

from tests import conftest as harness
from tests.servers import ROOT, server
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient
from tests.tracking.support import batches, send

SUPERAPP = str(Path(sys.executable).parent / "superapp")


@pytest.fixture
def embedded(tmp_path) -> dict[str, str]:
    """The environment of embedded mode, its database migrated (a copy of the run's migrated data dir)."""
    shutil.copytree(harness.migrated_data_dir(), tmp_path / "var")
    return {"SUPERAPP_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}  # no REDIS_URL, no DATABASE_URL


def redis_pid(output: str) -> int:
    """The pid of the redis-server the server said it started, as that server reports it."""
    url = re.search(r"embedded redis-server started at (unix://[^\s\"]+)", output).group(1)
    with redis.Redis.from_url(url) as client:
        return int(client.info("server")["process_id"])


@contextmanager
def watched(pid: int):
    """A handle on a process that is not our child: ``gone(timeout)`` waits for its exit."""
    fd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(fd, select.POLLIN)

    def gone(timeout_s: float) -> bool:
        return bool(poller.poll(timeout_s * 1000))

    try:
        yield gone
    finally:
        if not gone(0):
            os.kill(pid, signal.SIGKILL)  # leave nothing running whatever the test found
        os.close(fd)


async def sign_in(http: httpx.AsyncClient, app, phone: str) -> str:
    gql = GraphQLClient(http)
    sent = await gql(REQUEST_CODE, {"phone": phone})
    assert sent["data"]["requestLoginCode"]["__typename"] == "LoginCodeSent", sent
    code = re.findall(rf"\[sms outbox\] to {phone[:3]}\*\*\*\*{phone[-4:]}: \D*(\d{{6}})", app.output())[-1]
    login = await gql(LOGIN, {"phone": phone, "code": code, "device": {"id": f"laptop-{phone}", "platform": "H5"}})
    assert login["data"]["login"]["__typename"] == "AuthSession", login
    return login["data"]["login"]["accessToken"]


@pytest.mark.parametrize("second", [["kyc", "purge"], ["seed-demo"]], ids=["kyc-purge", "seed-demo"])
async def test_a_cli_command_beside_the_server_joins_its_redis_and_leaves_it_running(embedded, second):
    async with server(embedded, inherit_environment=False) as app:
        async with httpx.AsyncClient(base_url=app.base) as http:
            # given a customer signed in on the running server
            token = await sign_in(http, app, "13700000001")

            # when the operator runs a command in the same data dir, as the README says to
            done = subprocess.run([SUPERAPP, *second], cwd=ROOT, env=embedded, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr

            # then the server is still ready, the session still works and new logins still work
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            me = await GraphQLClient(http)("{ me { maskedPhone } }", token=token)
            assert me["data"]["me"]["maskedPhone"] == "137****0001"
            assert await sign_in(http, app, "13700000002")


def answers(socket_path: Path) -> bool:
    try:
        with redis.Redis(unix_socket_path=str(socket_path)) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


async def ready_again(http: httpx.AsyncClient, attempts: int = 1000) -> None:
    for _ in range(attempts):
        if (await http.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server never became ready again")


async def test_a_server_that_joined_a_shorter_lived_owner_takes_the_redis_over(embedded, tmp_path):
    # given a command that started the embedded Redis before the server came up
    owner = subprocess.Popen([SUPERAPP, "worker", "tracking"], cwd=ROOT, env=embedded,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket_path = Path(embedded["SUPERAPP_DATA_DIR"]) / "redis" / "redis.sock"
        while not answers(socket_path):
            assert owner.poll() is None, "the worker could not start the embedded Redis"
            await asyncio.sleep(0.02)
        async with server(embedded, inherit_environment=False) as app:
            assert "joined the embedded redis-server" in app.output()
            async with httpx.AsyncClient(base_url=app.base) as http:
                token = await sign_in(http, app, "13700000001")

                # when that command ends, and its redis-server with it
                owner.terminate()
                owner.wait()

                # then the server starts the Redis again from its file and goes on
                await ready_again(http)
                me = await GraphQLClient(http)("{ me { maskedPhone } }", token=token)
                assert me["data"]["me"]["maskedPhone"] == "137****0001"
                assert "took it over" in app.output()
    finally:
        owner.kill()
        owner.wait()


async def test_the_owner_starts_a_crashed_redis_server_again(embedded):
    async with server(embedded, inherit_environment=False) as app:
        async with httpx.AsyncClient(base_url=app.base) as http:
            token = await sign_in(http, app, "13700000001")

            # when its redis-server crashes
            with watched(redis_pid(app.output())) as redis_gone:
                os.kill(redis_pid(app.output()), signal.SIGKILL)
                assert redis_gone(30)

            # then the server starts it again, and what it held is still there
            await ready_again(http)
            me = await GraphQLClient(http)("{ me { maskedPhone } }", token=token)
            assert me["data"]["me"]["maskedPhone"] == "137****0001"
            assert await sign_in(http, app, "13700000002")


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_server_killed_with_sigkill_takes_its_redis_server_with_it(embedded, workers):
    async with server(embedded, "--workers", str(workers), inherit_environment=False) as app:
        workers_pids = [int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", app.output())]
        with watched(redis_pid(app.output())) as redis_gone, ExitStack() as stack:
            workers_gone = [stack.enter_context(watched(pid)) for pid in workers_pids if pid != app.process.pid]

            # when the server is killed, with no chance to clean up
            app.process.kill()
            app.process.wait()

            # then its redis-server does not stay behind (the kernel tells it; it exits at once),
            # nor do uvicorn's workers, which would serve on and start the Redis again
            assert redis_gone(30), "the embedded redis-server outlived its owner"
            assert all(gone(30) for gone in workers_gone), "a worker outlived its supervisor"


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_server_stopped_with_sigterm_stops_its_redis_server_before_it_exits(embedded, workers):
    async with server(embedded, "--workers", str(workers), inherit_environment=False) as app:
        with watched(redis_pid(app.output())) as redis_gone:
            started = time.monotonic()
            app.process.terminate()
            app.process.wait()
            print(f"serve --workers {workers}: SIGTERM to exit {time.monotonic() - started:.2f} s")

            assert "Application shutdown complete." in app.output(), app.output()[-2000:]
            assert redis_gone(0), "the server exited before its redis-server"


async def test_events_answered_by_the_embedded_redis_survive_its_crash(environ):
    # given a server in embedded Redis mode whose events wait for a worker (PostgreSQL keeps them)
    environ = {**environ, "TRACKING_WORKER_IN_APP": "false", "PATH": "/usr/bin:/bin", "LOG_LEVEL": "INFO"}
    del environ["REDIS_URL"]
    sent: list[str] = []
    async with server(environ, inherit_environment=False) as app:
        async with httpx.AsyncClient(base_url=app.base) as http:
            for events in batches(10):
                answer = await send(http, events)
                assert answer.status_code == 200 and answer.json()["accepted"] == 500
                sent += [e["eventId"] for e in events]

        # when its redis-server crashes (kill -9) right after answering 5,000 events
        with watched(redis_pid(app.output())) as redis_gone:
            os.kill(redis_pid(app.output()), signal.SIGKILL)
            assert redis_gone(30)

    # then a worker started afterwards (which starts the embedded Redis again) stores every one
    done = subprocess.run([SUPERAPP, "worker", "tracking", "--until-idle"], cwd=ROOT, env=environ,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    database = await asyncpg.connect(environ["DATABASE_URL"])
    try:
        stored = await database.fetchval("SELECT count(*) FROM tracking_event WHERE event_id = ANY($1::text[])", sent)
    finally:
        await database.close()
    assert stored == 5000
