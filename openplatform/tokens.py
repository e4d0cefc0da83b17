"""Access tokens of partner servers, with a grace window across refreshes.

A refresh makes a new token current and leaves the previous one valid for
``token_grace_seconds`` more (never longer than it had left), so a second server of the
same partner that refreshes does not cut off the first mid-flight, the common complaint
about WeChat's access_token. Tokens are kept in Redis under their SHA-256; an app's keys
share one hash tag so the refresh script touches a single Redis Cluster slot.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

from openplatform.config import OpenPlatformConfig

_REFRESH = """
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if previous and previous ~= ARGV[2] then
  local old = ARGV[4] .. previous
  local left = redis.call('TTL', old)
  if left > tonumber(ARGV[5]) then redis.call('EXPIRE', old, ARGV[5]) end
end
return 1
"""


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessTokens:
    def __init__(self, redis: aioredis.Redis, config: OpenPlatformConfig) -> None:
        self._redis = redis
        self._config = config
        self._refresh = redis.register_script(_REFRESH)

    def _prefix(self, app_id: str) -> str:
        return f"{self._config.namespace}:tok:{{{app_id}}}:"

    async def issue(self, *, app_id: str) -> AccessToken:
        """A new current token for an authenticated app; the previous one enters its grace window."""
        token = "at_" + secrets.token_urlsafe(32)
        prefix, ttl = self._prefix(app_id), self._config.access_token_seconds
        await self._refresh(
            keys=[prefix + "current", prefix + _digest(token)],
            args=[app_id, _digest(token), ttl, prefix, self._config.token_grace_seconds],
        )
        return AccessToken(token=token, expires_in=ttl)

    async def is_valid(self, *, app_id: str, token: str) -> bool:
        if not isinstance(token, str) or not 8 <= len(token) <= 128:
            return False
        return await self._redis.get(self._prefix(app_id) + _digest(token)) == app_id.encode()
