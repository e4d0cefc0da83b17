"""The consumer-group worker: stream entries into the database, acknowledged after commit.

Every entry is stored before it is acknowledged (and deleted), so a worker killed at any
point loses nothing: its delivered-but-unacknowledged entries stay pending until it reads
them again (a lane reads its own pending entries first, on start and after reconnecting
to Redis) or another worker claims them with XAUTOCLAIM. Storing one twice is harmless:
the event id is unique.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from infra.db import database_ready
from infra.kv import REDIS_UNAVAILABLE
from tracking.clickhouse import store_for
from tracking.config import TrackingConfig
from tracking.metrics import EVENTS_DEAD_LETTERED, EVENTS_STORED
from tracking.retention import expire
from tracking.store import store_records

log = logging.getLogger("tracking.worker")
_CLAIM_EVERY_SECONDS = 10.0
_EXPIRE_EVERY_SECONDS = 3600.0
_RETRY_SECONDS = 2.0
_RECONNECT_FIRST_SECONDS = 0.1
_RECONNECT_MAX_SECONDS = 5.0


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
    Redis while another commits in the database. When Redis goes away (restarted, failed
    over, unreachable), each lane waits with backoff and reconnects; it then reads first
    the entries it was given and never acknowledged, so none is lost and, the event id being
    unique in storage, none is stored twice.
    """
    consumer = consumer or default_consumer_name()
    progress = progress or WorkerProgress()
    # with stream shards, ``worker_concurrency`` lanes for each shard this worker drains; the
    # consumer names carry the shard, so each shard's group knows its lanes apart
    many = config.shards > 1
    lanes = [
        _lane(redis, config.on_shard(shard), stop, f"{consumer}/{shard}/{lane}" if many else f"{consumer}/{lane}",
              progress, until_idle, reclaims=lane == 0, expires=lane == 0 and shard == config.worker_shards[0])
        for shard in config.worker_shards
        for lane in range(config.worker_concurrency)
    ]
    await asyncio.gather(*lanes)
    return progress


def reconnect_delay(failures: int) -> float:
    """Exponential backoff with jitter: about 0.1 s after the first failure, doubling, at most 5 s."""
    ceiling = min(_RECONNECT_MAX_SECONDS, _RECONNECT_FIRST_SECONDS * 2 ** min(failures - 1, 16))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _lost_redis(exc: BaseException) -> bool:
    """Redis out of reach, or back without our consumer group (restarted without its data)."""
    return isinstance(exc, REDIS_UNAVAILABLE) or (isinstance(exc, ResponseError) and str(exc).startswith("NOGROUP"))


async def _lane(redis: aioredis.Redis, config: TrackingConfig, stop: asyncio.Event, consumer: str,
                progress: WorkerProgress, until_idle: bool, *, reclaims: bool, expires: bool) -> None:
    connected, own_pending, failures = False, True, 0
    last_claim = time.monotonic()
    last_expiry = None if expires else time.monotonic()  # one lane a process expires, at start and hourly
    while not stop.is_set():
        if last_expiry is None or time.monotonic() - last_expiry > _EXPIRE_EVERY_SECONDS:
            last_expiry = time.monotonic()
            await _expire(config)
        try:
            if not connected:
                await ensure_group(redis, config)
                if reclaims:
                    await _reclaim(redis, config, consumer, progress)
                    last_claim = time.monotonic()
                if failures:
                    log.warning("tracking worker lane %s reconnected to Redis", consumer)
                connected, own_pending, failures = True, True, 0
            elif time.monotonic() - last_claim > _CLAIM_EVERY_SECONDS:
                if reclaims:
                    await _reclaim(redis, config, consumer, progress)
                # an answer lost on the way (the client resent the read) left entries pending here
                own_pending, last_claim = True, time.monotonic()
            entries = await _read(redis, config, consumer, stop, own_pending=own_pending,
                                  block=None if until_idle else config.worker_block_ms)
            if entries is None:  # stopped while waiting for entries
                return
            if not entries:
                if own_pending:
                    own_pending = False  # then new entries
                elif until_idle:
                    return
                continue
            await _store(redis, config, entries, progress)
        except Exception as exc:
            if _lost_redis(exc):
                connected, failures = False, failures + 1
                delay = reconnect_delay(failures)
                log.warning("tracking worker lane %s lost Redis (%s); reconnecting in %.1f s", consumer, exc, delay)
                await _pause(stop, delay)
                continue
            if until_idle:
                raise
            # The entries stay pending and are read again; wait before reading more.
            log.exception("tracking worker lane %s failed a batch; retrying later", consumer)
            own_pending = True
            await _pause(stop, _RETRY_SECONDS)


async def _read(redis: aioredis.Redis, config: TrackingConfig, consumer: str, stop: asyncio.Event, *,
                own_pending: bool, block: int | None) -> list | None:
    """The next batch: this consumer's unacknowledged entries (``own_pending``), else new ones.

    A blocking read gives way to ``stop`` at once (None), so shutting down does not wait
    for the block to end; an entry delivered to a read cut short stays pending for this
    consumer name and is read again, or reclaimed.
    """
    read = redis.xreadgroup(config.group, consumer, {config.stream: "0" if own_pending else ">"},
                            count=config.worker_batch, block=None if own_pending else block)
    if own_pending or block is None:
        reply = await read
    else:
        reading, stopping = asyncio.ensure_future(read), asyncio.ensure_future(stop.wait())
        await asyncio.wait((reading, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not reading.done():
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            return None
        reply = reading.result()
    entries = [entry for _, stream_entries in reply or () for entry in stream_entries]
    gone = [entry_id for entry_id, fields in entries if not fields]  # pending, but no longer in the stream
    if gone:
        await _acknowledge(redis, config, gone)
    return [(entry_id, fields) for entry_id, fields in entries if fields]


async def _expire(config: TrackingConfig) -> None:
    """Delete events past the retention horizon; a failure waits for the next hour."""
    try:
        expired = await expire(retention_days=config.retention_days, analytics=store_for(config.analytics_url))
    except Exception:  # noqa: BLE001 - storing events matters more than deleting old ones
        log.exception("expiring old tracking events failed; trying again in an hour")
        return
    if expired.events or expired.rollup_rows or expired.clickhouse_days:
        log.info("expired %d tracking events, %d rollup rows and %d ClickHouse days past %d days",
                 expired.events, expired.rollup_rows, expired.clickhouse_days, config.retention_days)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


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
        await store_records([fields[b"e"] for _, fields in entries], analytics=store_for(config.analytics_url))
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
            await store_records([fields[b"e"]], analytics=store_for(config.analytics_url))
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
