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

from infra.redis_multiplex import MultiplexedRedis, pack
from monitoring.rules import Signals

VERSION_KEY = "mon:rules:version"  # bumped on every rule change: workers reload their settings
TTL_SECONDS = 31 * 24 * 3600
HISTORY_CAP = 200  # past this many movements the history is halved: old habits fade
_CONSTANTS = 10  # Windows.constants

# KEYS: velocity, near-threshold, payees, wrong PINs, amount history, this session's device
# ARGV: now_ms, member, amount, #payees, then the settings' constants (``Windows.packed``):
#       velocity window, near low, near high, near window, payee window, PIN window,
#       history multiple, history minimum, ttl seconds, history cap; then the payees
_CHECK = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local amount = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local ttl = tonumber(ARGV[13])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[5]))
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local velocity = redis.call('ZCARD', KEYS[1])
local near = 0
if amount > tonumber(ARGV[6]) and amount <= tonumber(ARGV[7]) then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[8]))
  redis.call('ZADD', KEYS[2], now, member)
  redis.call('PEXPIRE', KEYS[2], ARGV[8])
  near = redis.call('ZCARD', KEYS[2])
end
local payees = 0
if count > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[9]))
  for i = 1, count do redis.call('ZADD', KEYS[3], now, ARGV[14 + i]) end
  redis.call('PEXPIRE', KEYS[3], ARGV[9])
  payees = redis.call('ZCARD', KEYS[3])
end
local pins = redis.call('ZCOUNT', KEYS[4], now - tonumber(ARGV[10]), '+inf')
local h = redis.call('HMGET', KEYS[5], 'n', 's')
local n = tonumber(h[1]) or 0
local s = tonumber(h[2]) or 0
-- An amount far above the history does not join it: one outlier must not teach the mean.
if n < tonumber(ARGV[12]) or amount * n <= tonumber(ARGV[11]) * s then
  if n >= tonumber(ARGV[14]) then
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

    def constants(self) -> tuple[int, ...]:
        """The script's arguments that only the settings decide (ARGV[5..14])."""
        return (self.velocity_ms, self.near_low, self.near_high, self.near_ms, self.payees_ms, self.pins_ms,
                self.history_multiple, self.history_minimum, TTL_SECONDS, HISTORY_CAP)

    def packed(self) -> bytes:
        """The constants in RESP, packed once per settings."""
        return pack(self.constants())[len(b"*%d\r\n" % _CONSTANTS):]


def _user(user_id: int) -> str:
    return f"mon:{{{user_id}}}"


def _bulk(value: str) -> bytes:
    data = value.encode()
    return b"$%d\r\n%b\r\n" % (len(data), data)


class BehaviourStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        # The hot path's script call shares one connection with every movement in flight
        # (infra.redis_multiplex): a third of redis-py's CPU per call. TLS keeps redis-py.
        self._wire = MultiplexedRedis(redis) if MultiplexedRedis.supported(redis) else None
        self._check_sha: str | None = None  # loaded once: a pipeline given a Script asks SCRIPT EXISTS every time
        self._call_head = b""  # EVALSHA, the script's digest and the number of keys, packed
        self._constants: dict[Windows, bytes] = {}
        self._sign_in = redis.register_script(_SIGN_IN)

    async def aclose(self) -> None:
        if self._wire is not None:
            await self._wire.aclose()

    async def check(self, *, user_id: int, session_id: str | None, member: str, amount: int, payees: Sequence[int],
                    windows: Windows, now_ms: int) -> Signals:
        """Count this movement in and read every window: one script call, one round trip."""
        user = _user(user_id)
        keys = (f"{user}:v", f"{user}:n", f"{user}:p", f"{user}:w", f"{user}:h", f"{user}:s:{session_id or '-'}")
        for attempt in (1, 2):
            if self._check_sha is None:
                self._check_sha = str(await self._redis.script_load(_CHECK))
                self._call_head = pack(["EVALSHA", self._check_sha, len(keys)])[len(b"*3\r\n"):]
            try:
                reply = await self._evalsha(keys, now_ms, member, amount, payees, windows)
                break
            except NoScriptError:  # Redis restarted or flushed its scripts: load it again
                self._check_sha = None
                if attempt == 2:
                    raise
        velocity, near, paid, pins, n, s, device = reply
        return Signals(velocity, near, paid, pins, n, s, int(device) if device is not None else None, now_ms)

    async def _evalsha(self, keys: Sequence[str], now_ms: int, member: str, amount: int, payees: Sequence[int],
                       windows: Windows) -> list[object]:
        if self._wire is None:
            reply = await self._redis.evalsha(  # type: ignore[misc]
                self._check_sha or "", len(keys), *keys, now_ms, member, amount, len(payees), *windows.constants(),
                *payees)
            return [int(value) for value in reply[:6]] + [reply[6]]
        constants = self._constants.get(windows)
        if constants is None:
            constants = self._constants[windows] = windows.packed()
        items = 3 + len(keys) + 4 + _CONSTANTS + len(payees)
        packed = b"".join((
            b"*%d\r\n" % items, self._call_head, *map(_bulk, keys),
            _bulk(str(now_ms)), _bulk(member), _bulk(str(amount)), _bulk(str(len(payees))), constants,
            *(_bulk(str(payee)) for payee in payees),
        ))
        reply = await self._wire.execute(packed)
        assert isinstance(reply, list)
        return reply

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

