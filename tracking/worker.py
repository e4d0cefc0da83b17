"""The consumer-group worker: stream entries into the database, acknowledged after commit.

Every entry is stored before it is acknowledged (and deleted), so a worker killed at any
point loses nothing: its delivered-but-unacknowledged entries stay pending until a worker
claims them with XAUTOCLAIM. Storing one twice is harmless: the event id is unique.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from infra.db import database_ready
from tracking.config import TrackingConfig
from tracking.metrics import EVENTS_DEAD_LETTERED, EVENTS_STORED
from tracking.store import store_records

log = logging.getLogger("tracking.worker")
_CLAIM_EVERY_SECONDS = 10.0
_RETRY_SECONDS = 2.0


@dataclass
class WorkerProgress:
    stored: int = 0  # entries handled and acknowledged: committed, or dead-lettered
    reclaimed: int = 0  # entries taken over from dead workers
    batches: int = 0


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


async def ensure_group(redis: aioredis.Redis, config: TrackingConfig) -> None:
    try:
        await redis.xgroup_create(config.stream, config.group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def run_worker(
    *, redis: aioredis.Redis, config: TrackingConfig, stop: asyncio.Event,
    consumer: str | None = None, progress: WorkerProgress | None = None, until_idle: bool = False,
) -> WorkerProgress:
    """Drain the stream until ``stop`` is set (or, ``until_idle``, until it is empty).

    Entries left pending by dead workers are reclaimed first, then every few seconds.
    ``worker_concurrency`` lanes, each a consumer of its own, let one batch be read from
    Redis while another commits in the database.
    """
    consumer = consumer or default_consumer_name()
    progress = progress or WorkerProgress()
    await ensure_group(redis, config)
    await _reclaim(redis, config, consumer, progress)
    lanes = [
        _lane(redis, config, stop, f"{consumer}/{lane}", progress, until_idle, reclaims=lane == 0)
        for lane in range(config.worker_concurrency)
    ]
    await asyncio.gather(*lanes)
    return progress


async def _lane(redis: aioredis.Redis, config: TrackingConfig, stop: asyncio.Event, consumer: str,
                progress: WorkerProgress, until_idle: bool, *, reclaims: bool) -> None:
    last_claim = time.monotonic()
    while not stop.is_set():
        if reclaims and time.monotonic() - last_claim > _CLAIM_EVERY_SECONDS:
            await _reclaim(redis, config, consumer, progress)
            last_claim = time.monotonic()
        reply = await redis.xreadgroup(
            config.group, consumer, {config.stream: ">"}, count=config.worker_batch,
            block=None if until_idle else config.worker_block_ms,
        )
        entries = [entry for _, stream_entries in reply or () for entry in stream_entries]
        if not entries:
            if until_idle:
                return
            continue
        try:
            await _store(redis, config, entries, progress)
        except Exception:
            if until_idle:
                raise
            # The entries stay pending and are reclaimed once idle; wait before reading more.
            log.exception("tracking worker lane %s failed a batch; retrying later", consumer)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=_RETRY_SECONDS)


async def _reclaim(redis: aioredis.Redis, config: TrackingConfig, consumer: str, progress: WorkerProgress) -> None:
    """Take over entries left pending by a worker that died, and store them."""
    cursor = "0-0"
    while True:
        cursor, entries, *_ = await redis.xautoclaim(
            config.stream, config.group, consumer, min_idle_time=config.claim_idle_ms,
            start_id=cursor, count=config.worker_batch,
        )
        live = [(entry_id, fields) for entry_id, fields in entries if fields]
        if live:
            progress.reclaimed += len(live)
            log.info("reclaimed %d pending tracking events", len(live))
            await _store(redis, config, live, progress)
        cursor = cursor.decode() if isinstance(cursor, bytes) else cursor
        if cursor == "0-0":
            return


async def _store(redis: aioredis.Redis, config: TrackingConfig, entries: list, progress: WorkerProgress) -> None:
    refused = 0
    try:
        await store_records([fields[b"e"] for _, fields in entries])
    except Exception:  # noqa: BLE001 - one bad entry must not block the stream forever
        log.warning("storing a batch of %d tracking events failed; storing them one by one", len(entries))
        refused = await _store_one_by_one(redis, config, entries)
    await _acknowledge(redis, config, [entry_id for entry_id, _ in entries])
    EVENTS_STORED.inc(len(entries) - refused)
    progress.stored += len(entries)
    progress.batches += 1


async def _store_one_by_one(redis: aioredis.Redis, config: TrackingConfig, entries: list) -> int:
    """Store what can be stored; entries the database refuses go to the dead-letter stream.

    If the database itself does not answer, raise instead: the entries stay pending and are
    retried, rather than a whole outage being dead-lettered.
    """
    refused = []
    for entry_id, fields in entries:
        try:
            await store_records([fields[b"e"]])
        except Exception as exc:  # noqa: BLE001 - recorded with the entry for an operator
            refused.append((entry_id, fields[b"e"], repr(exc)[:500]))
    if refused and not await database_ready():
        raise RuntimeError("the database is unavailable; the batch stays pending")
    for entry_id, record, error in refused:
        log.error("tracking event %s moved to the dead-letter stream: %s", entry_id, error)
        await redis.xadd(config.dead_letter_stream, {"e": record, "error": error, "entry": entry_id})
        EVENTS_DEAD_LETTERED.inc()
    return len(refused)


async def _acknowledge(redis: aioredis.Redis, config: TrackingConfig, ids: list) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xack(config.stream, config.group, *ids)
        pipe.xdel(config.stream, *ids)
        await pipe.execute()


@asynccontextmanager
async def worker_in_background(*, redis: aioredis.Redis, config: TrackingConfig) -> AsyncIterator[WorkerProgress]:
    """Run the worker as a task of this process (embedded mode, tests); stop it on exit."""
    stop = asyncio.Event()
    progress = WorkerProgress()
    task = asyncio.create_task(run_worker(redis=redis, config=config, stop=stop, progress=progress))
    try:
        yield progress
    finally:
        stop.set()
        await task
