"""Nothing answered 200 is lost when Redis restarts or crashes under ingest and the worker.

Each test runs its own redis-server (tests/redis_server.py) with an append-only file
synced before each answer (``appendfsync always``: the README's setting for "nothing
answered is lost" even if the machine fails) and stops, restarts or kills it under the app.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess

import pytest
import redis.asyncio as aioredis

from tests.redis_server import RedisServer
from tests.servers import ROOT
from tests.tracking.support import batches, drain, send
from tests.tracking.test_worker import SUPERAPP
from tracking.models import TrackedEvent


@pytest.fixture
def redis_server():
    server = RedisServer(appendfsync="always").start()
    yield server
    server.kill()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def environ(environ, redis_server):
    environ.update(REDIS_URL=f"{redis_server.url}/0", TRACKING_WORKER_BATCH="500", TRACKING_RETRY_AFTER_SECONDS="3",
                   REDIS_RETRY_AFTER_SECONDS="3")
    return environ


async def stored_ids() -> list[str]:
    return await TrackedEvent.all().values_list("event_id", flat=True)


async def wait_until(condition, *, attempts: int = 6000) -> None:
    for _ in range(attempts):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_while_redis_is_down_ingest_answers_retry_later_and_nothing_is_half_kept(client, runtime, redis_server):
    # given Redis stops (a restart, a failover)
    redis_server.stop()

    # when the app sends a batch
    [events] = batches(1, 20)
    refused = await send(client, events)

    # then it is told to send it again later, with a typed code and Retry-After
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "3"
    assert refused.json()["code"] == "RETRY_LATER"

    # and once Redis is back, the same batch is taken whole, on the first attempt
    redis_server.start()
    again = await send(client, events)
    assert again.status_code == 200 and again.json()["accepted"] == 20
    assert await drain(runtime) == 20


async def test_the_worker_rides_out_a_redis_restart_and_stores_every_event_once(environ, client, runtime, redis_server):
    config = runtime.tracking.config
    # given 20,000 events accepted, and a worker process storing them
    sent: list[str] = []
    for events in batches(40):
        assert (await send(client, events)).json()["accepted"] == 500
        sent += [e["eventId"] for e in events]
    worker = subprocess.Popen([SUPERAPP, "worker", "tracking", "--consumer", "steady"], cwd=ROOT,
                              env={**os.environ, **environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await wait_until(_stored_some)

        # when Redis restarts under it while it works, and ingest goes on meanwhile
        redis_server.stop()
        during = await send(client, batches(1)[0])
        redis_server.start()
        late = batches(2)
        for events in late:
            assert (await send(client, events)).json()["accepted"] == 500
            sent += [e["eventId"] for e in events]

        # then the worker is still there, and every event answered 200 is stored exactly once
        await wait_until(lambda: _stored_all(len(sent)))
        assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
        stored = await stored_ids()
        assert len(stored) == len(sent) and set(stored) == set(sent)
        assert during.status_code == 503 and during.json()["code"] == "RETRY_LATER"
        probe = aioredis.Redis.from_url(environ["REDIS_URL"])
        try:
            assert (await probe.xpending(config.stream, config.group))["pending"] == 0
            assert await probe.xlen(config.stream) == 0
        finally:
            await probe.aclose()
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = await asyncio.to_thread(worker.communicate)
    assert worker.returncode == 0, errors.decode()[-3000:]


async def _stored_some() -> bool:
    return await TrackedEvent.all().count() > 0


async def _stored_all(total: int) -> bool:
    return await TrackedEvent.all().count() >= total


async def test_a_crashed_persistent_redis_keeps_every_event_it_answered(client, runtime, redis_server):
    # given 5,000 events answered 200 and waiting in the stream (no worker is running)
    sent = []
    for events in batches(10):
        assert (await send(client, events)).json()["accepted"] == 500
        sent += [e["eventId"] for e in events]

    # when redis-server is killed (kill -9) and started again from its files
    redis_server.kill()
    redis_server.start()

    # then the worker finds every one of them and stores it
    assert await drain(runtime) == 5000
    assert set(await stored_ids()) == set(sent)


async def test_a_full_redis_answers_retry_later(client, runtime, redis_server):
    # given a Redis at its memory limit, which (noeviction) refuses writes instead of dropping keys
    probe = aioredis.Redis.from_url(redis_server.url)
    try:
        used = (await probe.info("memory"))["used_memory"]
        await probe.config_set("maxmemory", used)

        # when the app sends a batch, then it is told to retry later, and nothing was kept
        refused = await send(client, batches(1, 20)[0])
        assert (refused.status_code, refused.json()["code"]) == (503, "RETRY_LATER")
        assert await probe.xlen(runtime.tracking.config.stream) == 0
    finally:
        await probe.config_set("maxmemory", 0)
        await probe.aclose()
