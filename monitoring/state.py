"""Each customer's recent behaviour in Redis: sliding windows kept as sorted sets, read and
updated by one script call per movement (one round trip), so monitoring stays cheap.

Keys carry the user id as a hash tag (``mon:{12}:...``), so one customer's keys share a
Redis Cluster slot and the script may touch them all.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

VERSION_KEY = "mon:rules:version"  # bumped on every rule change: workers reload their settings
TTL_SECONDS = 31 * 24 * 3600
HISTORY_CAP = 200  # past this many movements the history is halved: old habits fade

# KEYS: velocity, near-threshold, payees, wrong PINs, amount history, this session's device
# ARGV: now_ms, member, amount, velocity window, near low, near high, near window, payee window,
#       PIN window, history multiple, history minimum, ttl seconds, history cap, #payees, payees...
_CHECK = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local amount = tonumber(ARGV[3])
local ttl = tonumber(ARGV[12])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[4]))
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local velocity = redis.call('ZCARD', KEYS[1])
local near = 0
if amount > tonumber(ARGV[5]) and amount <= tonumber(ARGV[6]) then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[7]))
  redis.call('ZADD', KEYS[2], now, member)
  redis.call('PEXPIRE', KEYS[2], ARGV[7])
  near = redis.call('ZCARD', KEYS[2])
end
local payees = 0
local count = tonumber(ARGV[14])
if count > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[8]))
  for i = 1, count do redis.call('ZADD', KEYS[3], now, ARGV[14 + i]) end
  redis.call('PEXPIRE', KEYS[3], ARGV[8])
  payees = redis.call('ZCARD', KEYS[3])
end
local pins = redis.call('ZCOUNT', KEYS[4], now - tonumber(ARGV[9]), '+inf')
local h = redis.call('HMGET', KEYS[5], 'n', 's')
local n = tonumber(h[1]) or 0
local s = tonumber(h[2]) or 0
-- An amount far above the history does not join it: one outlier must not teach the mean.
if n < tonumber(ARGV[11]) or amount * n <= tonumber(ARGV[10]) * s then
  if n >= tonumber(ARGV[13]) then
    redis.call('HSET', KEYS[5], 'n', math.floor(n / 2), 's', math.floor(s / 2))
  end
  redis.call('HINCRBY', KEYS[5], 'n', 1)
  redis.call('HINCRBY', KEYS[5], 's', ARGV[3])
  redis.call('EXPIRE', KEYS[5], ttl)
end
local device = redis.call('GET', KEYS[6])
return {velocity, near, payees, pins, n, s, device or false}
"""

# KEYS: the user's devices, wrong PINs, this session's device first-seen
# ARGV: now_ms, device id, PIN window, refuse at (0: never), ttl seconds
_SIGN_IN = """
local now = tonumber(ARGV[1])
local first = redis.call('HGET', KEYS[1], ARGV[2])
local pins = redis.call('ZCOUNT', KEYS[2], now - tonumber(ARGV[3]), '+inf')
local refuse_at = tonumber(ARGV[4])
-- A customer's first device is theirs from the start (seen at 0): only a device added later is new.
local known = redis.call('HLEN', KEYS[1]) > 0
if not first and known and refuse_at > 0 and pins >= refuse_at then return {-1, pins} end
if not first then
  first = known and now or 0
  redis.call('HSET', KEYS[1], ARGV[2], first)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[3], first, 'EX', ARGV[5])
return {tonumber(first), pins}
"""


@dataclass(frozen=True, slots=True)
class Windows:
    """What one check needs from the rules' settings (milliseconds, fen)."""

    velocity_ms: int
    near_low: int
    near_high: int
    near_ms: int
    payees_ms: int
    pins_ms: int
    history_multiple: int
    history_minimum: int


@dataclass(frozen=True, slots=True)
class Counts:
    movements: int
    near_threshold: int
    payees: int
    wrong_pins: int
    history_count: int
    history_sum: int
    device_first_seen_ms: int | None


def _user(user_id: int) -> str:
    return f"mon:{{{user_id}}}"


class BehaviourStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._check_sha: str | None = None  # loaded once: a pipeline given a Script asks SCRIPT EXISTS every time
        self._sign_in = redis.register_script(_SIGN_IN)

    async def check(self, *, user_id: int, session_id: str | None, member: str, amount: int, payees: Sequence[int],
                    windows: Windows, now_ms: int) -> Counts:
        """Count this movement in and read every window: one script call, one round trip."""
        user = _user(user_id)
        keys = [f"{user}:v", f"{user}:n", f"{user}:p", f"{user}:w", f"{user}:h", f"{user}:s:{session_id or '-'}"]
        args: list[str | int] = [
            now_ms, member, amount, windows.velocity_ms, windows.near_low, windows.near_high, windows.near_ms,
            windows.payees_ms, windows.pins_ms, windows.history_multiple, windows.history_minimum, TTL_SECONDS,
            HISTORY_CAP, len(payees), *payees,
        ]
        for attempt in (1, 2):
            if self._check_sha is None:
                self._check_sha = str(await self._redis.script_load(_CHECK))
            try:
                # One command, not a pipeline: redis-py's pipeline machinery costs more CPU than the call.
                velocity, near, paid, pins, n, s, device = await self._redis.evalsha(
                    self._check_sha, len(keys), *keys, *args)
                break
            except NoScriptError:  # Redis restarted or flushed its scripts: load it again
                self._check_sha = None
                if attempt == 2:
                    raise
        return Counts(int(velocity), int(near), int(paid), int(pins), int(n), int(s),
                      int(device) if device is not None else None)

    async def wrong_pin(self, *, user_id: int, now_ms: int, window_ms: int) -> None:
        key = f"{_user(user_id)}:w"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now_ms - window_ms)
            pipe.zadd(key, {f"{now_ms}:{secrets.token_hex(4)}": now_ms})
            pipe.pexpire(key, window_ms)
            await pipe.execute()

    async def sign_in(self, *, user_id: int, session_id: str, device_id: str, pins_ms: int, refuse_at: int,
                      now_ms: int) -> tuple[bool, int]:
        """Note the session's device (first seen now if new; a customer's very first device counts as
        seen at 0); refused (False) when the device is new and ``refuse_at`` wrong PINs or more fell
        in the window. Also the wrong PINs counted."""
        user = _user(user_id)
        first, pins = await self._sign_in(keys=[f"{user}:d", f"{user}:w", f"{user}:s:{session_id}"],
                                          args=[now_ms, device_id, pins_ms, refuse_at, TTL_SECONDS])
        return int(first) != -1, int(pins)

    async def rules_version(self) -> int:
        return int(await self._redis.get(VERSION_KEY) or 0)

    async def bump_rules_version(self) -> int:
        return int(await self._redis.incr(VERSION_KEY))
