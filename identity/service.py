"""Phone login: one-time codes, sessions per device, rotating refresh tokens, roles.

The identity domain's public module: other domains import from here (``IdentityService``,
``Role``), never its models.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
import uuid
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

import redis.asyncio as aioredis
from tortoise.transactions import in_transaction

from identity import errors
from identity.models import LoginSession, RefreshToken, User
from identity.phone import normalize_mainland_mobile
from identity.roles import Role
from identity.sms import SmsGateway
from identity.tokens import AccessTokens, Principal, hash_refresh_token, new_refresh_token
from infra.i18n import Text, t
from infra.pii import PiiCipher
from infra.pubsub import EventBroker
from infra.ratelimit import RateLimiter
from infra.redis_multiplex import MultiplexedRedis, pack

__all__ = ["Device", "IdentityService", "IssuedSession", "LoginPolicy", "Role", "SignInDecision", "SignInScreen",
           "user_ids_page"]

_DEVICE_ID = re.compile(r"[A-Za-z0-9._\-]{8,128}")
_PLATFORMS = {"ios", "android", "h5"}

# Atomically check a code: burn it on success or after the last allowed wrong try. A used
# code also lifts the resend pause, so a second device can sign in straight away; the
# hourly per-phone cap still applies.
_CHECK_CODE = """
local stored = redis.call('HGET', KEYS[1], 'h')
if not stored then return {-1, 0} end
if stored == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) return {1, 0} end
local tries = redis.call('HINCRBY', KEYS[1], 'n', 1)
local left = tonumber(ARGV[2]) - tries
if left <= 0 then redis.call('DEL', KEYS[1]) left = 0 end
return {0, left}
"""


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str
    platform: str


@dataclass(frozen=True, slots=True)
class SignInDecision:
    """A transaction monitor's answer to a sign-in: refused ones name the rule and say why."""

    allowed: bool
    rule: str = ""
    reason: Text | None = None


class SignInScreen(Protocol):
    """What identity asks before a session starts (transaction monitoring, given by the composition root)."""

    async def sign_in(self, *, user_id: int, session_id: str, device_id: str) -> SignInDecision: ...


@dataclass(frozen=True, slots=True)
class IssuedSession:
    user: User
    session_id: str
    access_token: str
    refresh_token: str
    access_expires_in: int


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What screens show of an account: its id, phone number (decrypted), roles and age."""

    id: int
    phone: str
    roles: tuple[Role, ...]
    created_at: datetime


# The `me` read of every signed-in screen: Tortoise's query building and model construction
# cost more CPU than the round trip itself (bench/me_read_path.py), so PostgreSQL gets one
# statement asyncpg prepares once per connection.
_PROFILES_PG = (
    "SELECT id, phone_ciphertext, roles::text AS roles, created_at FROM identity_user WHERE id = ANY($1::bigint[])"
)


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    code_seconds: int = 300
    max_attempts: int = 5
    resend_seconds: int = 60
    per_phone_per_hour: int = 5
    per_ip_per_hour: int = 30
    refresh_seconds: int = 30 * 24 * 3600


class IdentityService:
    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        cipher: PiiCipher,
        sms: SmsGateway,
        tokens: AccessTokens,
        policy: LoginPolicy,
        code_secret: str,
        broker: EventBroker,
        screen: SignInScreen | None = None,
    ) -> None:
        self._redis = redis
        self._screen = screen
        self._broker = broker
        self._cipher = cipher
        self._sms = sms
        self._tokens = tokens
        self._policy = policy
        self._limiter = RateLimiter(redis, prefix="rl:login")
        self._check_code = redis.register_script(_CHECK_CODE)
        # Every signed-in request asks whether its session is revoked: one EXISTS over a connection
        # all requests share (infra.redis_multiplex), a third of redis-py's CPU per call. TLS keeps redis-py.
        self._wire = MultiplexedRedis(redis) if MultiplexedRedis.supported(redis) else None
        self._code_key = hashlib.sha256(b"login-code:" + code_secret.encode()).digest()

    # -- codes -------------------------------------------------------------------------

    def phone_index(self, phone: str) -> str:
        return self._cipher.blind_index(phone, purpose="phone")

    def _code_hash(self, phone_index: str, code: str) -> str:
        return hmac.new(self._code_key, f"{phone_index}:{code}".encode(), hashlib.sha256).hexdigest()

    async def request_login_code(self, *, phone: str, client_ip: str) -> int:
        """Send a 6-digit code by SMS; returns its lifetime in seconds."""
        phone = normalize_mainland_mobile(phone)
        index = self.phone_index(phone)
        p = self._policy
        if not await self._redis.set(f"login:resend:{index}", 1, nx=True, ex=p.resend_seconds):
            ttl = await self._redis.ttl(f"login:resend:{index}")
            raise errors.ResendTooSoon(retry_after_seconds=max(ttl, 1))
        for scope, key, limit in (
            ("phone", f"phone:{index}", p.per_phone_per_hour),
            ("client", f"ip:{client_ip}", p.per_ip_per_hour),
        ):
            decision = await self._limiter.hit(key, limit=limit, window_seconds=3600)
            if not decision.allowed:
                raise errors.TooManyCodeRequests(
                    scope=scope, retry_after_seconds=decision.retry_after_seconds
                )
        code = f"{secrets.randbelow(1_000_000):06d}"
        key = f"login:code:{index}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"h": self._code_hash(index, code), "n": 0})
            pipe.expire(key, p.code_seconds)
            await pipe.execute()
        minutes = p.code_seconds // 60
        await self._sms.send(phone=phone, text=t("identity.sms_login_code", code=code, minutes=minutes))
        return p.code_seconds

    async def _consume_code(self, phone_index: str, code: str) -> None:
        if not (isinstance(code, str) and code.isdigit() and len(code) == 6):
            code = "invalid"  # still counts as a wrong try
        ok, left = await self._check_code(
            keys=[f"login:code:{phone_index}", f"login:resend:{phone_index}"],
            args=[self._code_hash(phone_index, code), self._policy.max_attempts],
        )
        if ok == -1:
            raise errors.CodeExpired()
        if ok == 0:
            raise errors.WrongCode(attempts_left=int(left))

    # -- sessions ----------------------------------------------------------------------

    async def login(self, *, phone: str, code: str, device: Device) -> IssuedSession:
        phone = normalize_mainland_mobile(phone)
        device = _checked_device(device)
        index = self.phone_index(phone)
        await self._consume_code(index, code)
        user = await User.get_or_none(phone_index=index)
        if user is None:
            user = await self._register(phone, index)
        session_id = uuid.uuid4()
        if self._screen is not None:
            decision = await self._screen.sign_in(user_id=user.id, session_id=str(session_id), device_id=device.id)
            if not decision.allowed:
                raise errors.SignInRefused(rule=decision.rule, reason=decision.reason)
        session = await LoginSession.create(
            id=session_id,
            user=user,
            device_id=device.id,
            device_name=device.name,
            platform=device.platform,
        )
        return await self._issue(user, session)

    async def _register(self, phone: str, index: str) -> User:
        from tortoise.exceptions import IntegrityError

        try:
            return await User.create(
                phone_index=index,
                phone_ciphertext=self._cipher.encrypt(phone, context="phone"),
                roles=[Role.CUSTOMER.value],
            )
        except IntegrityError:  # registered concurrently by another login
            return await User.get(phone_index=index)

    async def _issue(self, user: User, session: LoginSession) -> IssuedSession:
        token, token_hash = new_refresh_token()
        await RefreshToken.create(
            session=session,
            token_hash=token_hash,
            expires_at=_now() + timedelta(seconds=self._policy.refresh_seconds),
        )
        access = self._tokens.issue(user_id=user.id, session_id=str(session.id), roles=user.roles)
        return IssuedSession(user, str(session.id), access, token, self._tokens.ttl_seconds)

    async def refresh_session(self, *, refresh_token: str, device_id: str) -> IssuedSession:
        """Rotate a refresh token. Presenting an already-used one revokes the whole family."""
        if not isinstance(refresh_token, str) or len(refresh_token) > 200:
            raise errors.RefreshRejected()
        row = await RefreshToken.get_or_none(
            token_hash=hash_refresh_token(refresh_token)
        ).select_related("session", "session__user")
        if row is None:
            raise errors.RefreshRejected()
        session = row.session
        if session.revoked_at is not None:
            raise errors.RefreshRejected()
        if row.used_at is not None:
            await self.revoke_session(session_id=str(session.id), reason="refresh_reuse")
            raise errors.RefreshTokenReused()
        if session.device_id != device_id or row.expires_at <= _now():
            raise errors.RefreshRejected()
        async with in_transaction():
            # Conditional update: of two concurrent refreshes with one token, one wins.
            won = await RefreshToken.filter(id=row.id, used_at__isnull=True).update(used_at=_now())
            if won:
                return await self._issue(session.user, session)
        await self.revoke_session(session_id=str(session.id), reason="refresh_reuse")
        raise errors.RefreshTokenReused()

    async def revoke_session(self, *, session_id: str, reason: str) -> None:
        await LoginSession.filter(id=session_id, revoked_at__isnull=True).update(
            revoked_at=_now(), revoke_reason=reason
        )
        await self._announce_end(session_id, reason)

    async def _announce_end(self, session_id: str, reason: str) -> None:
        # Access tokens of this session stop working at once, not when they expire, and
        # every worker holding a socket signed in with one closes it (until_session_ends).
        await self._redis.set(_revoked_key(session_id), reason, ex=self._tokens.ttl_seconds)
        await self._broker.publish(session_topic(session_id), {"reason": reason})

    async def logout(self, *, principal: Principal) -> None:
        await self.revoke_session(session_id=principal.session_id, reason="logout")

    async def sign_out_device(self, *, user_id: int, session_id: uuid.UUID) -> None:
        """End one of the user's own sessions, say of a lost phone, from any other device.

        Another user's session, an unknown id and an ended session are all SessionNotFound,
        so the answer tells nobody whether someone else's session exists.
        """
        ended = await LoginSession.filter(id=session_id, user_id=user_id, revoked_at__isnull=True).update(
            revoked_at=_now(), revoke_reason="signed_out"
        )
        if not ended:
            raise errors.SessionNotFound()
        await self._announce_end(str(session_id), "signed_out")

    async def authenticate(self, access_token: str) -> Principal | None:
        principal = self._tokens.verify(access_token)
        if principal is None:
            return None
        key = _revoked_key(principal.session_id)
        revoked = await (self._wire.execute(pack(("EXISTS", key))) if self._wire is not None else self._redis.exists(key))
        return None if revoked else principal

    async def aclose(self) -> None:
        if self._wire is not None:
            await self._wire.aclose()

    async def until_session_ends(self, principal: Principal) -> str:
        """Wait until this principal's session is revoked or its access token expires; say why.

        A long-lived connection (a subscription) was authenticated once; HTTP checks the
        token on every request. This lets the connection end at the moment HTTP starts
        refusing the token, whichever worker revoked the session.
        """
        async with self._broker.subscribe(session_topic(principal.session_id)) as ended:
            # Listening first, then looking: a revocation between authenticate() and the
            # subscription is found here instead of being missed.
            reason: bytes | str | None = await self._redis.get(_revoked_key(principal.session_id))
            if reason is not None:
                return reason.decode() if isinstance(reason, bytes) else reason
            if principal.expires_at is None:
                return str((await anext(ended))["reason"])
            try:
                async with asyncio.timeout(max(principal.expires_at - time.time(), 0)):
                    return str((await anext(ended))["reason"])
            except TimeoutError:
                pass
        # The event loop's clock and the wall clock can differ by a hair: end no earlier
        # than the token does, as jwt counts it.
        while time.time() < principal.expires_at:
            await asyncio.sleep(0.01)
        return "expired"

    # -- users -------------------------------------------------------------------------

    def phone_of(self, user: User) -> str:
        return self._cipher.decrypt(user.phone_ciphertext, context="phone")

    async def profiles(self, *, user_ids: Sequence[int]) -> dict[int, UserProfile]:
        """The accounts among ``user_ids`` that exist, by id."""
        db = User._meta.db
        if db.capabilities.dialect == "postgres":
            # asyncpg on the pool's connection: `me` reads this on every screen, and Tortoise's
            # execute_query_dict (exception translation, debug logging, dict copies) cost a third more.
            async with db.acquire_connection() as connection:
                rows = await connection.fetch(_PROFILES_PG, list(user_ids))
            found = [(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]
        else:
            found = [(u.id, u.phone_ciphertext, u.roles, u.created_at) for u in await User.filter(id__in=list(user_ids))]
        decrypt = self._cipher.decrypt
        return {
            user_id: UserProfile(user_id, decrypt(ciphertext, context="phone"), tuple(Role(r) for r in roles), created)
            for user_id, ciphertext, roles, created in found
        }

    async def phone_number(self, *, user_id: int) -> str:
        """The user's phone number, decrypted (other domains mask it before showing it)."""
        user = await User.get_or_none(id=user_id)
        if user is None:
            raise errors.UserNotFound()
        return self.phone_of(user)

    async def user_id_for_phone(self, *, phone: str) -> int | None:
        """Who has this mainland mobile number, if anyone (InvalidPhone when it is not one)."""
        index = self.phone_index(normalize_mainland_mobile(phone))
        user = await User.get_or_none(phone_index=index).only("id")
        return None if user is None else user.id

    async def sessions_of(self, *, user_id: int) -> list[LoginSession]:
        return await LoginSession.filter(user_id=user_id, revoked_at__isnull=True).order_by("-created_at")

    async def grant_role(self, *, user_id: int, role: Role) -> User:
        async with in_transaction():
            user = await User.select_for_update().get_or_none(id=user_id)
            if user is None:
                raise errors.UserNotFound()
            if role.value not in user.roles:
                user.roles = [*user.roles, role.value]
                await user.save(update_fields=["roles"])
        return user

    async def ensure_user(self, *, phone: str, roles: list[Role]) -> User:
        """Create or update a user with these roles (demo data and operator set-up)."""
        phone = normalize_mainland_mobile(phone)
        index = self.phone_index(phone)
        user = await User.get_or_none(phone_index=index) or await self._register(phone, index)
        wanted = sorted({*user.roles, *(r.value for r in roles)})
        if wanted != sorted(user.roles):
            user.roles = wanted
            await user.save(update_fields=["roles"])
        return user


def session_topic(session_id: str) -> str:
    return f"session:{session_id}"


def _revoked_key(session_id: str) -> str:
    return f"session:revoked:{session_id}"


def _checked_device(device: Device) -> Device:
    if not _DEVICE_ID.fullmatch(device.id or "") or device.platform not in _PLATFORMS:
        raise errors.InvalidDevice()
    name = (device.name or "").strip()[:128] or device.platform
    return Device(device.id, name, device.platform)


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def user_ids_page(*, after_id: int, limit: int) -> list[int]:
    """Every registered user's id above ``after_id``, ascending, at most ``limit`` (an audience scan)."""
    rows = await User.filter(id__gt=after_id).order_by("id").limit(max(1, min(limit, 5000))).values("id")
    return [int(row["id"]) for row in rows]
