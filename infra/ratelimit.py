"""Fixed-window rate limits in Redis, so they hold across workers and processes."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}
"""


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    retry_after_seconds: int


class RateLimiter:
    def __init__(self, redis: aioredis.Redis, *, prefix: str = "rl") -> None:
        self._script = redis.register_script(_HIT)
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateDecision:
        count, ttl_ms = await self._script(
            keys=[f"{self._prefix}:{key}"], args=[window_seconds * 1000]
        )
        allowed = count <= limit
        retry = 0 if allowed else max(1, -(-int(ttl_ms) // 1000))
        return RateDecision(allowed, int(count), limit, retry)
