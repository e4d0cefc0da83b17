"""The checks every open-API request passes before an endpoint runs.

In order: the headers are there, the app exists, the timestamp is within the allowed skew,
the signature matches (HMAC-SHA256 or SM2-with-SM3), the nonce is new, the access token
is valid (every endpoint but the token one), and the app is within its per-second rate
and daily quota. Rate and nonce are counted only for requests that proved who sent them,
so nobody can use up another app's quota or nonces.

One exception: an SM2 check costs ~0.35 ms of CPU (Tongsuo; 83 a second in pure Python
before), far more than HMAC, so SM2 attempts are counted per app *before* the check
(OPENAPI_SM2_VERIFICATIONS_PER_SECOND, 500 by default: 25 times the old budget of 20). Junk signed with SM2
can then cost the server at most that many checks per app per second; past it, the app's
SM2 requests are refused with RATE_LIMITED for the rest of the second, and HMAC keeps working.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import redis.asyncio as aioredis

from infra.i18n import Text
from miniprogram_host.service import app_hmac_key
from openplatform import errors
from openplatform.config import OpenPlatformConfig
from openplatform.models import OpenAppSettings
from openplatform.signing import HMAC_SHA256, METHODS, SM2_SM3, canonical_request, verify_hmac, verify_sm2
from openplatform.tokens import AccessTokens
from infra.ratelimit import RateLimiter

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_APP_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    method: str
    path: str  # with the query string, as sent
    headers: Mapping[str, str]  # lower-case names
    body: bytes


class Gateway:
    def __init__(self, *, redis: aioredis.Redis, config: OpenPlatformConfig, tokens: AccessTokens) -> None:
        self._redis = redis
        self._config = config
        self._tokens = tokens
        self._limiter = RateLimiter(redis, prefix=f"{config.namespace}:rl")

    async def admit(self, request: SignedRequest, *, needs_token: bool = True, now: float | None = None) -> str:
        """The app id of a request that passes every check; the first failing one raises."""
        h = request.headers
        app_id, timestamp, nonce = h.get("x-app-id", ""), h.get("x-timestamp", ""), h.get("x-nonce", "")
        method, signature = h.get("x-signature-method", HMAC_SHA256).upper(), h.get("x-signature", "")
        if not _APP_ID.match(app_id):
            raise errors.BadRequest(Text("openplatform.header_app_id"))
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise errors.BadRequest(Text("openplatform.header_timestamp"))
        if not _NONCE.match(nonce):
            raise errors.BadRequest(Text("openplatform.header_nonce"))
        if method not in METHODS:
            raise errors.BadRequest(Text("openplatform.header_signature_method", methods=", ".join(METHODS)))
        if not signature:
            raise errors.BadRequest(Text("openplatform.header_signature"))
        key = await app_hmac_key(app_id)
        if key is None:
            raise errors.UnknownApp()
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > self._config.clock_skew_seconds:
            raise errors.StaleTimestamp()
        message = canonical_request(method=request.method, path=request.path, timestamp=timestamp, nonce=nonce,
                                    body=request.body)
        await self.verify_signature(app_id, key, method, message, signature)
        await self._fresh_nonce(app_id, nonce)
        if needs_token:
            header = h.get("authorization", "")
            token = header[7:].strip() if header.startswith("Bearer ") else ""
            if not await self._tokens.is_valid(app_id=app_id, token=token):
                raise errors.InvalidAccessToken()
        await self._within_limits(app_id, now)
        return app_id

    async def verify_signature(self, app_id: str, hmac_key: bytes, method: str, message: bytes,
                               signature: str) -> None:
        if method == SM2_SM3:
            public_key = await OpenAppSettings.filter(app_id=app_id).values_list("sm2_public_key", flat=True)
            if not public_key or public_key[0] is None:
                raise errors.Sm2KeyNotRegistered()
            budget = await self._limiter.hit(
                f"sm2:{app_id}", limit=self._config.sm2_verifications_per_second, window_seconds=1
            )
            if not budget.allowed:
                raise errors.RateLimited(retry_after=budget.retry_after_seconds)
            # ~0.35 ms of C that releases the GIL: off the event loop, so other requests keep moving.
            ok = await asyncio.to_thread(verify_sm2, public_key[0], message, signature)
        else:
            ok = verify_hmac(hmac_key, message, signature)
        if not ok:
            raise errors.BadSignature()

    async def _fresh_nonce(self, app_id: str, nonce: str) -> None:
        # Kept for the whole window in which its timestamp is acceptable, on either side.
        key = f"{self._config.namespace}:nonce:{{{app_id}}}:{nonce}"
        if not await self._redis.set(key, b"1", nx=True, ex=2 * self._config.clock_skew_seconds + 1):
            raise errors.NonceReused()

    async def _within_limits(self, app_id: str, now: float) -> None:
        second = await self._limiter.hit(f"rps:{app_id}", limit=self._config.rate_per_second, window_seconds=1)
        if not second.allowed:
            raise errors.RateLimited(retry_after=second.retry_after_seconds)
        day = datetime.fromtimestamp(now, timezone.utc)
        until_midnight = 86_400 - (day.hour * 3600 + day.minute * 60 + day.second)
        quota = await self._limiter.hit(
            f"day:{app_id}:{day:%Y%m%d}", limit=self._config.daily_quota, window_seconds=until_midnight
        )
        if not quota.allowed:
            raise errors.RateLimited(retry_after=quota.retry_after_seconds, quota=True)
