"""Stream shards (``TRACKING_STREAM_SHARDS``): events go to one of N streams by visitor,
each with its own dedup keys and HyperLogLogs; workers split the shards between them
(``TRACKING_WORKER_SHARDS``) and together store each event once."""

from __future__ import annotations

import asyncio
import dataclasses

import orjson
import pytest

from redis.asyncio.cluster import RedisCluster

from infra.settings import Settings, SettingsError
from tests.redis_cluster import LocalRedisCluster
from tests.tracking.support import event, send, send_pages_and_a_resend
from tracking.config import TrackingConfig
from tracking.models import TrackedEvent
from tracking.worker import run_worker

SHARDS = 4


@pytest.fixture
def environ(environ, request, tmp_path):
    environ["TRACKING_STREAM_SHARDS"] = str(SHARDS)
    if request.node.get_closest_marker("on_cluster"):  # a 3-master cluster of the test's own
        local = LocalRedisCluster(tmp_path / "redis-cluster", masters=3).start()
        request.addfinalizer(local.stop)
        environ["TRACKING_REDIS_URL"] = local.url
    return environ


async def test_events_spread_over_the_shards_and_two_workers_splitting_them_store_each_once(client, runtime):
    config = runtime.tracking.config
    assert config.shards == SHARDS and config.worker_shards == (0, 1, 2, 3)

    # given 2,000 events from 500 devices, and one batch of them sent again
    sent = await send_pages_and_a_resend(client)

    # then every shard's stream took some, a device's events all in one, and nothing twice
    lengths = [await runtime.redis.xlen(config.on_shard(shard).stream) for shard in range(SHARDS)]
    assert sum(lengths) == 2000 and all(length > 200 for length in lengths)
    devices = []
    for shard in range(SHARDS):
        entries = await runtime.redis.xrange(config.on_shard(shard).stream)
        devices.append({orjson.loads(fields[b"e"])["an"] for _, fields in entries})
    assert sum(len(d) for d in devices) == 500  # each device in exactly one shard
    assert not await runtime.redis.exists(f"{config.namespace}:track:events")  # the unsharded stream is unused
    # real-time UV adds the shards' counts: a device counts in one shard only
    assert abs(await runtime.tracking.ingest.realtime_uv(app_ids=None) - 500) <= 10

    # when two workers drain at once, one the shards 0-1, the other 2-3
    halves = [dataclasses.replace(config, worker_shards=(0, 1), worker_batch=150),
              dataclasses.replace(config, worker_shards=(2, 3), worker_batch=150)]
    progress = await asyncio.gather(*(
        run_worker(redis=runtime.tracking.redis, config=half, stop=asyncio.Event(), consumer=f"w{n}", until_idle=True)
        for n, half in enumerate(halves)
    ))

    # then each stored the events of its shards, and together every event once
    assert [p.stored for p in progress] == [lengths[0] + lengths[1], lengths[2] + lengths[3]]
    stored = await TrackedEvent.all().values_list("event_id", flat=True)
    assert sorted(stored) == sorted(e["eventId"] for e in sent)
    assert [await runtime.redis.xlen(config.on_shard(shard).stream) for shard in range(SHARDS)] == [0] * SHARDS


def test_the_shard_settings_are_checked():
    def config(**env: str) -> TrackingConfig:
        return TrackingConfig.from_settings(Settings.from_env({"SECRET_KEY": "x", **env}))

    assert config().shards == 1 and config().stream.endswith(":track:events")  # the names of before
    assert config(TRACKING_STREAM_SHARDS="8", TRACKING_WORKER_SHARDS="0-2,7").worker_shards == (0, 1, 2, 7)
    for bad in ({"TRACKING_STREAM_SHARDS": "0"}, {"TRACKING_STREAM_SHARDS": "300"},
                {"TRACKING_STREAM_SHARDS": "4", "TRACKING_WORKER_SHARDS": "4"},
                {"TRACKING_STREAM_SHARDS": "4", "TRACKING_WORKER_SHARDS": "one"}):
        with pytest.raises(SettingsError):
            config(**bad)


@pytest.mark.on_cluster
async def test_on_a_cluster_the_shards_sit_on_several_masters_and_store_each_event_once(client, runtime):
    # given tracking on a 3-master cluster, in 4 shards
    config = runtime.tracking.config
    redis = runtime.tracking.redis
    assert config.cluster and isinstance(redis, RedisCluster)
    masters = {redis.get_node_from_key(config.on_shard(shard).stream).name for shard in range(SHARDS)}
    assert len(masters) >= 2  # hash tags {ns:track:0} ... {ns:track:3} spread over the masters

    # when 1,000 events are ingested, and drained by one worker over every shard
    sent = [event("$page", anonymous_id=f"device-{i:04d}") for i in range(1000)]
    for i in range(0, 1000, 500):
        assert (await send(client, sent[i:i + 500])).json()["accepted"] == 500
    progress = await run_worker(redis=redis, config=config, stop=asyncio.Event(), until_idle=True)

    # then each is stored once, and every shard's stream is empty
    assert progress.stored == 1000
    assert sorted(await TrackedEvent.all().values_list("event_id", flat=True)) == sorted(e["eventId"] for e in sent)
    assert [await redis.xlen(config.on_shard(shard).stream) for shard in range(SHARDS)] == [0] * SHARDS
