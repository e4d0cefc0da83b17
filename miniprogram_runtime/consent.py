"""Users' consents per app and scope, with a Redis copy that revocation can never outlive.

Reading PostgreSQL on every bridge call would cost more than the call, so the scopes a user
granted an app are cached in Redis. A revocation must take effect on the next call, so the
cache is guarded by a generation counter: a writer commits, then bumps the generation and
drops the copy; a reader fills the cache only if the generation it read before going to
the database is still current. A reader that loaded the old grants therefore cannot put
them back after a revocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError

from miniprogram_runtime.models import ConsentGrant

_FILL_IF_CURRENT = """
local gen = redis.call('GET', KEYS[2]) or '0'
if gen ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


@dataclass(frozen=True, slots=True)
class Consent:
    app_id: str
    scope: str
    granted_at: datetime


def cache_keys(app_id: str, user_id: int) -> tuple[str, str]:
    """(the cached scopes, the generation) of one user and app."""
    return f"mprt:consent:{app_id}:{user_id}", f"mprt:consent-gen:{app_id}:{user_id}"


class ConsentBook:
    def __init__(self, redis: aioredis.Redis, *, cache_seconds: int) -> None:
        self._redis = redis
        self._ttl = cache_seconds

    async def granted_scopes(self, *, app_id: str, user_id: int, cached: tuple | None = None) -> frozenset[str]:
        """The scopes in force. ``cached`` is (value, generation) already read by the caller."""
        scopes_key, gen_key = cache_keys(app_id, user_id)
        value, gen = cached if cached is not None else await self._redis.mget(scopes_key, gen_key)
        if value is not None:
            return _decode(value)
        scopes = frozenset(
            await ConsentGrant.filter(app_id=app_id, user_id=user_id, revoked_at__isnull=True)
            .values_list("scope", flat=True)
        )
        await self._redis.eval(
            _FILL_IF_CURRENT, 2, scopes_key, gen_key,
            (gen or b"0").decode() if isinstance(gen, bytes) else str(gen or "0"),
            ",".join(sorted(scopes)), self._ttl,
        )
        return scopes

    async def grant(self, *, app_id: str, user_id: int, scope: str) -> Consent:
        now = datetime.now(timezone.utc)
        row = await ConsentGrant.get_or_none(app_id=app_id, user_id=user_id, scope=scope)
        if row is None:
            try:
                row = await ConsentGrant.create(app_id=app_id, user_id=user_id, scope=scope, granted_at=now)
            except IntegrityError:  # granted twice at once: the other one counts
                row = await ConsentGrant.get(app_id=app_id, user_id=user_id, scope=scope)
        elif row.revoked_at is not None:
            row.granted_at, row.revoked_at = now, None
            await row.save(update_fields=["granted_at", "revoked_at"])
        await self._invalidate(app_id, user_id)
        return Consent(app_id, scope, row.granted_at)

    async def revoke(self, *, app_id: str, user_id: int, scope: str) -> bool:
        """Withdraw a consent; True when one was in force. Refused from the next call on."""
        changed = await ConsentGrant.filter(
            app_id=app_id, user_id=user_id, scope=scope, revoked_at__isnull=True
        ).update(revoked_at=datetime.now(timezone.utc))
        await self._invalidate(app_id, user_id)
        return bool(changed)

    async def consents_of(self, *, user_id: int, app_id: str | None = None) -> list[Consent]:
        query = ConsentGrant.filter(user_id=user_id, revoked_at__isnull=True)
        if app_id is not None:
            query = query.filter(app_id=app_id)
        rows = await query.order_by("app_id", "scope")
        return [Consent(r.app_id, r.scope, r.granted_at) for r in rows]

    async def _invalidate(self, app_id: str, user_id: int) -> None:
        scopes_key, gen_key = cache_keys(app_id, user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(gen_key)
            pipe.expire(gen_key, 7 * 24 * 3600)
            pipe.delete(scopes_key)
            await pipe.execute()


def _decode(value: bytes | str) -> frozenset[str]:
    text = value.decode() if isinstance(value, bytes) else value
    return frozenset(filter(None, text.split(",")))
