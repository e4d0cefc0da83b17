"""The worker stores every event exactly once, even when it dies in the middle of a batch,
and when two server workers and two tracking workers share one stream."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, server
from tests.tracking.support import batch_body, drain, event, send
from tracking.models import TrackedEvent
from tracking.store import store_records
from tracking.worker import ensure_group

SUPERAPP = str(Path(sys.executable).parent / "superapp")  # the installed console script


@pytest.fixture
def environ(environ):
    environ["TRACKING_CLAIM_IDLE_MS"] = "0"  # a restarted worker takes over pending entries at once
    environ["TRACKING_WORKER_BATCH"] = "500"
    return environ


def start_worker(environ: dict, consumer: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [SUPERAPP, "worker", "tracking", "--consumer", consumer, *extra],
        cwd=ROOT, env={**os.environ, **environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


async def pending(runtime) -> int:
    config = runtime.tracking.config
    return (await runtime.redis.xpending(config.stream, config.group))["pending"]


async def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(environ, client, runtime):
    sent: list[str] = []
    for attempt in range(5):
        # given 10,000 more events accepted while no worker runs
        for batch in range(20):
            events = [event("$page", page=f"/p{batch}", anonymous_id=f"device-{i:04d}") for i in range(500)]
            assert (await send(client, events)).json()["accepted"] == 500
            sent += [e["eventId"] for e in events]

        # when a worker process is killed (SIGKILL) while it holds a batch it has not acknowledged
        worker = start_worker(environ, f"doomed-{attempt}")
        while True:
            assert worker.poll() is None, worker.stderr.read().decode()
            stored = await TrackedEvent.all().count()
            if (stored and await pending(runtime)) or stored == len(sent):
                break
            await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker.stderr.close()
        if await pending(runtime):
            break
    stored_before = await TrackedEvent.all().count()
    left_pending = await pending(runtime)
    assert left_pending > 0 and stored_before < len(sent)

    # and a new worker starts
    restarted = start_worker(environ, "successor", "--until-idle")
    _, errors = await asyncio.to_thread(restarted.communicate)
    assert restarted.returncode == 0, errors.decode()

    # then every event is stored exactly once, and nothing is left in the stream
    stored = await TrackedEvent.all().values_list("event_id", flat=True)
    assert len(stored) == len(sent) and set(stored) == set(sent)
    assert await pending(runtime) == 0
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 0


async def test_entries_stored_but_never_acknowledged_are_not_stored_twice(client, runtime):
    # given a worker that read a batch and committed it, then died before acknowledging
    config = runtime.tracking.config
    events = [event("$page", page=f"/p{i}") for i in range(30)]
    await send(client, events)
    await ensure_group(runtime.redis, config)
    [(_, entries)] = await runtime.redis.xreadgroup(config.group, "died-after-commit", {config.stream: ">"}, count=100)
    await store_records([fields[b"e"] for _, fields in entries])

    # when another worker reclaims its pending entries and stores them again
    assert await drain(runtime) == 30

    # then each event is there once
    assert await TrackedEvent.all().count() == 30
    assert await pending(runtime) == 0


async def test_an_entry_the_database_refuses_is_set_aside_and_the_rest_stored(client, runtime):
    # given a stream holding good events and one corrupted entry (no event type)
    config = runtime.tracking.config
    await send(client, [event("$page", page=f"/p{i}") for i in range(3)])
    await runtime.redis.xadd(config.stream, {"e": b'{"id":"corrupted-1","t":null,"n":"x","a":"","an":"d","ea":1,"ra":1}'})
    await send(client, [event("$page", page="/after")])

    # when the worker drains the stream
    await drain(runtime)

    # then the good events are stored, the corrupted one waits in the dead-letter stream
    assert await TrackedEvent.all().count() == 4
    [(_, dead)] = await runtime.redis.xrange(config.dead_letter_stream)
    assert b"corrupted-1" in dead[b"e"] and dead[b"error"]
    assert await runtime.redis.xlen(config.stream) == 0 and await pending(runtime) == 0


async def test_two_server_workers_and_two_tracking_workers_on_one_stream_lose_and_double_nothing(environ, runtime):
    # given `superapp serve --workers 2` and two `superapp worker tracking` processes on one stream
    environ["TRACKING_WORKER_BATCH"] = "200"
    environ["TRACKING_CLAIM_IDLE_MS"] = "60000"  # both live: neither takes over what the other holds
    trackers = [start_worker({**environ, "LOG_LEVEL": "INFO"}, f"scale-{n}") for n in range(2)]
    try:
        async with server(environ, "--workers", "2") as running:
            # when 20,000 events arrive in 40 batches, 8 at a time, each on a fresh connection
            # (whichever server worker answers /healthz on it takes the batch), and 10 batches
            # are sent again as an SDK does when it lost the answer
            batches = [[event("$page", page=f"/p{b}", anonymous_id=f"device-{i:04d}") for i in range(500)]
                       for b in range(40)]
            takers: dict[int, int] = {}
            gate = asyncio.Semaphore(8)

            async def post(events: list[dict]) -> dict:
                async with gate, httpx.AsyncClient(base_url=running.base) as http:
                    pid = (await http.get("/healthz")).json()["worker"]
                    answer = await http.post("/track/batch", content=batch_body(events),
                                             headers={"content-type": "application/json"})
                    assert answer.status_code == 200, answer.text
                    takers[pid] = takers.get(pid, 0) + 1
                    return answer.json()

            first = await asyncio.gather(*(post(b) for b in batches))
            again = await asyncio.gather(*(post(b) for b in batches[::4]))
            sent = {e["eventId"] for b in batches for e in b}

            # and the tracking workers drain the stream meanwhile
            while await TrackedEvent.all().count() < len(sent) or await pending(runtime):
                for tracker in trackers:
                    assert tracker.poll() is None, tracker.stderr.read().decode()
                await asyncio.sleep(0.05)
    finally:
        for tracker in trackers:
            tracker.send_signal(signal.SIGTERM)
        logs = [(await asyncio.to_thread(t.communicate))[1].decode() for t in trackers]

    # then both server workers took batches, every first sending was accepted whole and every
    # resending was all duplicates
    assert len(takers) == 2
    assert all(a["accepted"] == 500 for a in first)
    assert all(a["accepted"] == 0 and len(a["duplicates"]) == 500 for a in again)
    # and both tracking workers stored some, together each event exactly once, nothing left over
    assert [t.returncode for t in trackers] == [0, 0], logs
    counts = [int(re.search(r"after storing (\d+) events", log).group(1)) for log in logs]
    assert all(count > 0 for count in counts) and sum(counts) == len(sent)
    stored = await TrackedEvent.all().values_list("event_id", flat=True)
    assert len(stored) == len(sent) and set(stored) == sent
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 0
