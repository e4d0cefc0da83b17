"""What the app demands of its Redis, checked at start: an answered write must survive a crash.

Tracking events answered 200 wait in a Redis Stream until a worker commits them, and
sessions are revoked by keys in Redis, so a Redis that keeps no append-only file, or one
that evicts keys when full, loses what the app has promised. ``REDIS_DURABILITY=refuse``
(the default) stops start-up on such a server; ``warn`` logs and goes on.

Managed services often refuse CONFIG: the check then reads what INFO shows (the file and
the eviction policy, not the fsync policy) and reports what it could not read as
unverified, which never stops start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

log = logging.getLogger("superapp.redis")

# setting -> the values that keep answered writes
REQUIRED: dict[str, tuple[str, ...]] = {
    "appendonly": ("yes",),
    "appendfsync": ("always", "everysec"),  # README: what each one keeps
    "maxmemory-policy": ("noeviction",),
}


class RedisNotDurable(RuntimeError):
    """The Redis server can lose writes the app has answered; the message names each setting."""


@dataclass(frozen=True)
class DurabilityReport:
    wrong: dict[str, str] = field(default_factory=dict)  # setting -> the value found
    unverified: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"{name} is {value!r} (needs {' or '.join(REQUIRED[name])})" for name, value in self.wrong.items()]
        return "; ".join(parts)


async def inspect(client: aioredis.Redis) -> DurabilityReport:
    """Read the settings with CONFIG GET, or from INFO where CONFIG is refused."""
    found: dict[str, str] = {}
    try:
        async with client.pipeline(transaction=False) as pipe:
            for name in REQUIRED:  # one name per CONFIG GET: Redis 6 takes one pattern only
                pipe.config_get(name)
            for reply in await pipe.execute():
                found.update({_text(k): _text(v) for k, v in reply.items()})
    except ResponseError:  # CONFIG renamed or not permitted (managed Redis)
        found = await _from_info(client)
    wrong = {name: found[name] for name, allowed in REQUIRED.items() if name in found and found[name] not in allowed}
    return DurabilityReport(wrong, tuple(name for name in REQUIRED if name not in found))


async def check(client: aioredis.Redis, *, mode: str, where: str) -> DurabilityReport:
    """Refuse (``mode`` "refuse") or warn about a Redis that can lose answered writes."""
    report = await inspect(client)
    if report.unverified:
        log.warning("cannot read %s of the Redis at %s (CONFIG refused): make sure it is set as the README's "
                    "'Redis in production' says", ", ".join(report.unverified), where)
    if report.wrong:
        message = (f"the Redis at {where} can lose writes the app has answered: {report.describe()}. "
                   "Set them on the server, or REDIS_DURABILITY=warn to start anyway")
        if mode == "refuse":
            raise RedisNotDurable(message)
        log.warning("%s", message)
    return report


async def _from_info(client: aioredis.Redis) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        persistence = await client.info("persistence")
        found["appendonly"] = "yes" if int(persistence["aof_enabled"]) else "no"
        memory = await client.info("memory")
        found["maxmemory-policy"] = _text(memory["maxmemory_policy"])
    except (ResponseError, KeyError):
        pass
    return found


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
