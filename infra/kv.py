"""Redis: an external server by URL, or the embedded one (``infra.embedded_redis``).

Every process has one client over a blocking pool of ``REDIS_MAX_CONNECTIONS``: a command
that finds every connection busy waits for one, up to ``REDIS_POOL_TIMEOUT_SECONDS``,
instead of failing at once. What still fails (no connection in time, the server down or
restarting) raises one of ``REDIS_UNAVAILABLE``, which the HTTP layer answers with a typed
503 and Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ClusterDownError, MasterDownError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from infra import redis_durability
from infra.embedded_redis import EmbeddedRedis, start_or_join
from infra.settings import Settings

log = logging.getLogger("superapp.redis")

# Redis out of reach for now: no free connection in time, refused, reset, loading its file,
# a reply timed out, full (maxmemory with noeviction refuses writes until workers drain it),
# or a replica that has not yet been promoted; on a Redis Cluster also the cluster declared
# down (CLUSTERDOWN, a master lost and not yet failed over), a slot moving (TRYAGAIN), a master
# down, or a slot no node serves in the client's map. Worth a retry later; never the caller's fault.
REDIS_UNAVAILABLE: tuple[type[Exception], ...] = (
    RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError,
    ClusterDownError, TryAgainError, MasterDownError, SlotNotCoveredError,
)


_KEEP_EMBEDDED_EVERY_SECONDS = 0.5


@dataclass
class RedisHandle:
    client: aioredis.Redis
    url: str
    _embedded: EmbeddedRedis | None = field(default=None, repr=False)
    _keeper: asyncio.Task | None = field(default=None, repr=False)

    async def close(self) -> None:
        """Close the client; the embedded server stops only if this process owns it."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        await self.client.aclose()
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None


async def _keep_embedded_running(embedded: EmbeddedRedis) -> None:
    """Restart the embedded server if it dies, or take it over if its owner goes (on the
    event loop's thread, which lives as long as the process: see infra.embedded_redis)."""
    while True:
        await asyncio.sleep(_KEEP_EMBEDDED_EVERY_SECONDS)
        try:
            embedded.keep_running()
        except Exception:  # noqa: BLE001 - tried again next time; requests meanwhile get 503
            log.exception("could not start the embedded redis-server")


def redis_client(url: str, settings: Settings) -> aioredis.Redis:
    """The process's client. A command whose connection turns out broken (the server was
    restarted since it was last used) is sent once more on a new connection, so the first
    requests after a restart are not refused for the pool's stale connections."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=settings.redis.max_connections, timeout=settings.redis.pool_timeout_seconds,
        health_check_interval=30, retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
    )
    return aioredis.Redis.from_pool(pool)


def where(url: str) -> str:
    """The server's address for logs and errors, without credentials."""
    parts = urlsplit(url)
    return parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"


async def open_redis(settings: Settings) -> RedisHandle:
    """Connect (starting or joining the embedded server if no REDIS_URL), and check that the
    server keeps what it acknowledges (``infra.redis_durability``)."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = start_or_join(settings.data_dir)
        url = embedded.url
    client = redis_client(url, settings)
    try:
        await client.ping()
        await redis_durability.check(client, mode=settings.redis.durability, where=where(url))
    except BaseException:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
        raise
    keeper = None if embedded is None else asyncio.create_task(_keep_embedded_running(embedded), name="embedded-redis")
    return RedisHandle(client=client, url=url, _embedded=embedded, _keeper=keeper)


CLUSTER_SCHEME = "redis+cluster://"


async def open_redis_at(url: str, settings: Settings) -> aioredis.Redis | RedisCluster:
    """A client of a Redis other than the app's own (a domain's, e.g. ``TRACKING_REDIS_URL``):
    ``redis+cluster://host:port`` names any node of a Redis Cluster, the rest are discovered.
    Each primary is checked like the app's Redis (``infra.redis_durability``)."""
    if not url.startswith(CLUSTER_SCHEME):
        client = redis_client(url, settings)
        nodes = [(client, where(url))]
    else:
        cluster = RedisCluster.from_url(
            "redis://" + url.removeprefix(CLUSTER_SCHEME), max_connections=settings.redis.max_connections,
        )
        client = cluster
        nodes = []
    try:
        await client.ping()
        if isinstance(client, RedisCluster):
            nodes = [(aioredis.Redis(host=node.host, port=node.port), f"{node.host}:{node.port}")
                     for node in client.get_primaries()]
        for node, address in nodes:
            await redis_durability.check(node, mode=settings.redis.durability, where=address)
    except BaseException:
        await client.aclose()
        raise
    finally:
        for node, _ in nodes:
            if node is not client:
                await node.aclose()
    return client
