"""A Redis Cluster that is down answers the SDK's RETRY_LATER with a 503 and Retry-After,
as a single Redis out of reach does (bff/unavailable.py), never a 500.

Its own 3-master cluster: the test stops one master, and with no replica to promote the
others declare the cluster down (``CLUSTERDOWN``) once ``cluster-node-timeout`` passes.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from redis.asyncio.cluster import RedisCluster

from tests.redis_cluster import LocalRedisCluster
from tests.tracking.support import event, send


@pytest.fixture
def local_cluster(tmp_path) -> Iterator[LocalRedisCluster]:
    local = LocalRedisCluster(tmp_path / "redis-cluster", masters=3).start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def environ(environ, local_cluster):
    environ["TRACKING_REDIS_URL"] = local_cluster.url
    return environ


def _cluster_state(port: int) -> str:
    info = subprocess.run(["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True, text=True,
                          timeout=30).stdout
    return next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("cluster_state:")), "")


async def _holder_of(local_cluster: LocalRedisCluster, key: str) -> tuple[int, int]:
    """(port of the master serving ``key``, the key's slot)."""
    probe = RedisCluster.from_url(local_cluster.client_url)
    try:
        await probe.initialize()
        return probe.get_node_from_key(key).port, probe.keyslot(key)
    finally:
        await probe.aclose()


def _wait_until_down(port: int) -> None:
    deadline = time.monotonic() + 60
    while _cluster_state(port) != "fail":
        assert time.monotonic() < deadline, "the cluster was not declared down"
        time.sleep(0.2)


async def _assert_retry_later(client) -> None:
    answer = await send(client, [event("$page", anonymous_id="device-0002")])
    assert answer.status_code == 503
    assert answer.json()["code"] == "RETRY_LATER"
    assert int(answer.headers["retry-after"]) >= 1


async def test_a_master_that_stops_makes_ingest_answer_retry_later(client, runtime, local_cluster):
    # given tracking on the cluster, taking events
    assert (await send(client, [event("$page", anonymous_id="device-0001")])).json()["accepted"] == 1

    # when a master that does not hold the tracking slot stops, and the others declare the cluster down
    holder, _ = await _holder_of(local_cluster, runtime.tracking.config.stream)
    local_cluster.stop_node(next(port for port in local_cluster.ports if port != holder))
    _wait_until_down(holder)

    # then a batch is told to come back later (redis-py meets the stopped node: ConnectionError)
    await _assert_retry_later(client)


async def test_a_cluster_down_with_every_node_up_answers_retry_later(client, runtime, local_cluster):
    # given tracking on the cluster, taking events
    assert (await send(client, [event("$page", anonymous_id="device-0001")])).json()["accepted"] == 1

    # when the master holding the tracking slot gives up another of its slots, so that with
    # full coverage required it answers CLUSTERDOWN while every node still answers
    holder, slot = await _holder_of(local_cluster, runtime.tracking.config.stream)
    other = (slot + 1) % 16384
    assert (await _holder_of_slot(local_cluster, other)) == holder
    subprocess.run(["redis-cli", "-p", str(holder), "cluster", "delslots", str(other)], check=True,
                   capture_output=True, timeout=30)
    _wait_until_down(holder)

    # then a batch is told to come back later (redis-py's ClusterDownError), not a 500
    await _assert_retry_later(client)


async def _holder_of_slot(local_cluster: LocalRedisCluster, slot: int) -> int:
    probe = RedisCluster.from_url(local_cluster.client_url)
    try:
        await probe.initialize()
        return probe.nodes_manager.get_node_from_slot(slot).port
    finally:
        await probe.aclose()
