"""Login for partners, as WeChat's wx.login + code2Session.

The mini-program gets a one-time code for the signed-in user; the partner's server trades
it (with its app credentials) for an openid (per app), a unionid (per developer
organisation) and a session key. Codes live in Redis under their SHA-256, so a Redis dump
does not reveal usable codes; they expire after five minutes and are deleted on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError

from miniprogram_host.service import app_exists, app_profile
from openplatform import errors
from openplatform.config import OpenPlatformConfig
from openplatform.models import OpenIdentity
from infra.ratelimit import RateLimiter


@dataclass(frozen=True, slots=True)
class LoginCode:
    code: str
    expires_in: int  # seconds


@dataclass(frozen=True, slots=True)
class PartnerSession:
    openid: str
    unionid: str
    session_key: str


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class PartnerLogin:
    def __init__(self, *, redis: aioredis.Redis, config: OpenPlatformConfig, server_key: str) -> None:
        self._redis = redis
        self._config = config
        self._limiter = RateLimiter(redis, prefix=f"{config.namespace}:rl")
        # Separate keys per use, so an openid never equals anything else derived from the key.
        self._openid_key = hmac.new(server_key.encode(), b"openplatform-openid", hashlib.sha256).digest()
        self._unionid_key = hmac.new(server_key.encode(), b"openplatform-unionid", hashlib.sha256).digest()

    def _code_key(self, digest: str) -> str:
        return f"{self._config.namespace}:code:{digest}"

    def _used_key(self, digest: str) -> str:
        return f"{self._config.namespace}:code-used:{digest}"

    async def issue(self, *, app_id: str, user_id: int) -> LoginCode:
        if not await app_exists(app_id):
            raise errors.UnknownApp()
        decision = await self._limiter.hit(
            f"login:{user_id}", limit=self._config.login_codes_per_user_per_minute, window_seconds=60
        )
        if not decision.allowed:
            raise errors.LoginRateLimited(retry_after=decision.retry_after_seconds)
        code = secrets.token_urlsafe(24)
        ttl = self._config.login_code_seconds
        await self._redis.set(self._code_key(_digest(code)), json.dumps([app_id, user_id]), ex=ttl)
        return LoginCode(code=code, expires_in=ttl)

    async def redeem(self, *, app_id: str, code: str) -> PartnerSession:
        """Trade a code for the user's identities; the caller has authenticated the app."""
        if not isinstance(code, str) or not 1 <= len(code) <= 128:
            raise errors.LoginCodeInvalid()
        digest = _digest(code)
        raw = await self._redis.getdel(self._code_key(digest))
        if raw is None:
            if await self._redis.exists(self._used_key(digest)):
                raise errors.LoginCodeUsed()
            raise errors.LoginCodeInvalid()
        # Remember the code was used, so a replay is told apart from a typo.
        await self._redis.set(self._used_key(digest), "1", ex=self._config.login_code_seconds)
        issued_app, user_id = json.loads(raw)
        if issued_app != app_id:
            raise errors.LoginCodeInvalid()  # a code is burnt when shown to the wrong app
        identity = await self.identity(app_id=app_id, user_id=user_id)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        identity.session_key_hash = hashlib.sha256(session_key.encode()).hexdigest()
        await identity.save(update_fields=["session_key_hash"])
        return PartnerSession(openid=identity.openid, unionid=identity.unionid, session_key=session_key)

    async def identity(self, *, app_id: str, user_id: int) -> OpenIdentity:
        """The user's identity for this app, made on first use and then fixed."""
        found = await OpenIdentity.get_or_none(app_id=app_id, user_id=user_id)
        if found is not None:
            return found
        app = await app_profile(app_id)
        if app is None:
            raise errors.UnknownApp()
        try:
            return await OpenIdentity.create(
                app_id=app_id, user_id=user_id,
                openid="o" + self._mac(self._openid_key, f"{app_id}:{user_id}"),
                unionid="u" + self._mac(self._unionid_key, f"{app.org_id}:{user_id}"),
            )
        except IntegrityError:  # made concurrently by another request
            return await OpenIdentity.get(app_id=app_id, user_id=user_id)

    @staticmethod
    def _mac(key: bytes, message: str) -> str:
        raw = hmac.new(key, message.encode(), hashlib.sha256).digest()[:20]
        return base64.b32encode(raw).decode().lower()

    async def users_for_openids(self, *, app_id: str, openids: list[str]) -> dict[str, int]:
        rows = await OpenIdentity.filter(app_id=app_id, openid__in=openids).values_list("openid", "user_id")
        return dict(rows)

    async def user_for_openid(self, *, app_id: str, openid: str) -> int:
        found = await OpenIdentity.get_or_none(app_id=app_id, openid=openid)
        if found is None:
            raise errors.UnknownOpenId()
        return found.user_id
