"""Tracking on a real 3-master Redis Cluster (Debian's redis-server on loopback).

With ``TRACKING_REDIS_URL=redis+cluster://…`` the stream, its dedup keys and the real-time
HyperLogLogs carry one hash tag, so the ingest script and the worker's acknowledging
transaction each stay in one slot; rate limits are one key each and spread over the masters.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest
from redis.asyncio.cluster import RedisCluster

from infra.ratelimit import RateLimiter
from infra.settings import Settings, SettingsError
from tests.redis_cluster import LocalRedisCluster
from tests.tracking.support import drain, event, send, send_pages_and_a_resend
from tracking.config import TrackingConfig
from tracking.models import TrackedEvent
from tracking.worker import run_worker

MASTERS = 3


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory) -> Iterator[str]:
    """Three masters, no replicas, append-only (the app refuses a Redis that can lose writes)."""
    local = LocalRedisCluster(tmp_path_factory.mktemp("redis-cluster"), masters=MASTERS).start()
    try:
        yield local.url
    finally:
        local.stop()


@pytest.fixture
async def cluster(redis_cluster) -> RedisCluster:
    client = RedisCluster.from_url(redis_cluster.replace("redis+cluster://", "redis://"))
    await client.flushall(target_nodes=RedisCluster.PRIMARIES)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def environ(environ, redis_cluster):
    environ["TRACKING_REDIS_URL"] = redis_cluster
    return environ


async def test_ingest_dedup_and_the_stream_live_on_the_cluster_and_store_each_event_once(client, runtime, cluster):
    config = runtime.tracking.config
    assert config.cluster and isinstance(runtime.tracking.redis, RedisCluster)

    # given 2,000 events from 500 devices, one batch of them sent twice (its answer was lost)
    sent = await send_pages_and_a_resend(client)

    # then the stream and every dedup key are on the cluster, in one slot, and not on the app's Redis
    assert await cluster.xlen(config.stream) == 2000
    assert not await runtime.redis.exists(config.stream)
    stream_slot = await cluster.cluster_keyslot(config.stream)
    dedup_key = f"{config.key_base}:seen:{sent[0]['eventId']}"
    assert await cluster.exists(dedup_key) == 1
    assert await cluster.cluster_keyslot(dedup_key) == stream_slot
    assert abs(await runtime.tracking.ingest.realtime_uv(app_ids=None) - 500) <= 10  # HyperLogLog: ~1% error

    # when the worker drains the stream from the cluster
    assert await drain(runtime) == 2000

    # then each event is stored once, and the stream is empty with nothing pending
    stored = await TrackedEvent.all().values_list("event_id", flat=True)
    assert sorted(stored) == sorted(e["eventId"] for e in sent)
    assert await cluster.xlen(config.stream) == 0
    assert (await cluster.xpending(config.stream, config.group))["pending"] == 0


async def test_two_workers_on_the_cluster_stream_share_it_and_lose_and_double_nothing(client, runtime, cluster):
    # given 5,000 events waiting in the stream on the cluster
    config = runtime.tracking.config
    sent: list[str] = []
    for batch in range(10):
        events = [event("$page", page=f"/p{batch}", anonymous_id=f"device-{i:04d}") for i in range(500)]
        assert (await send(client, events)).json()["accepted"] == 500
        sent += [e["eventId"] for e in events]

    # when two workers, each with its own cluster client, drain it at once
    clients = [RedisCluster.from_url(runtime.tracking.config.redis_url.replace("redis+cluster://", "redis://"))
               for _ in range(2)]
    small = dataclasses.replace(config, worker_batch=200)
    try:
        progress = await asyncio.gather(*(
            run_worker(redis=redis, config=small, stop=asyncio.Event(), consumer=f"cluster-worker-{n}", until_idle=True)
            for n, redis in enumerate(clients)
        ))
    finally:
        for redis in clients:
            await redis.aclose()

    # then both took part, and every event is stored exactly once
    assert all(p.stored > 0 for p in progress)
    assert sum(p.stored for p in progress) == len(sent)
    stored = await TrackedEvent.all().values_list("event_id", flat=True)
    assert len(stored) == len(sent) and set(stored) == set(sent)
    assert await cluster.xlen(config.stream) == 0


async def test_rate_limits_hold_across_clients_with_keys_spread_over_the_masters(cluster, redis_cluster):
    # given two processes' worth of clients counting the same limits (3 a minute per user)
    other = RedisCluster.from_url(redis_cluster.replace("redis+cluster://", "redis://"))
    try:
        limiters = [RateLimiter(cluster, prefix="rl:test"), RateLimiter(other, prefix="rl:test")]
        users = [f"user-{n}" for n in range(30)]

        # when each user is hit 5 times, alternately through either client
        decisions = {user: [await limiters[hit % 2].hit(user, limit=3, window_seconds=60) for hit in range(5)]
                     for user in users}
    finally:
        await other.aclose()

    # then each user got exactly 3 through, the last 2 refused with a retry-after
    for user, answers in decisions.items():
        assert [d.allowed for d in answers] == [True, True, True, False, False], user
        assert all(d.retry_after_seconds >= 1 for d in answers[3:])
    # and the counters live on every master, not one
    owners = {cluster.get_node_from_key(f"rl:test:{user}").name for user in users}
    assert len(owners) == MASTERS


def test_only_a_cluster_url_tags_the_keys_and_other_schemes_are_refused():
    from tests.conftest import test_environ

    def config(**overrides: str) -> TrackingConfig:
        return TrackingConfig.from_settings(Settings.from_env(test_environ(**overrides)))

    plain, own, clustered = config(), config(TRACKING_REDIS_URL="redis://127.0.0.1:6390/0"), \
        config(TRACKING_REDIS_URL="redis+cluster://127.0.0.1:7000")
    assert plain.stream == own.stream == f"{plain.namespace}:track:events"  # the names every deployment has
    assert not plain.cluster and not own.cluster and own.redis_url == "redis://127.0.0.1:6390/0"
    assert clustered.cluster and clustered.stream == f"{{{plain.namespace}:track}}:events"
    with pytest.raises(SettingsError, match="TRACKING_REDIS_URL"):
        config(TRACKING_REDIS_URL="http://127.0.0.1:7000")
