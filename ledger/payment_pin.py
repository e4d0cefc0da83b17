"""The 6-digit payment PIN: Argon2 hash at rest, lockout after repeated wrong tries,
and a short-lived step-up per login session once it is entered correctly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import redis.asyncio as aioredis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger import errors
from ledger.models import PaymentPin

# OWASP's minimum Argon2id profile (19 MiB, 2 passes): a 6-digit PIN is protected by the
# lockout, not by the hash cost, and the hash runs on the request path.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _checked(pin: str, field: str = "pin") -> str:
    if not (isinstance(pin, str) and len(pin) == 6 and pin.isascii() and pin.isdigit()):
        raise errors.InvalidRequest(Text("ledger.pin_six_digits"), field=field)
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise errors.InvalidRequest(Text("ledger.pin_too_simple"), field=field)
    return pin


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


class PaymentPins:
    def __init__(self, *, redis: aioredis.Redis, max_attempts: int, lock_seconds: int, step_up_seconds: int,
                 on_wrong: Callable[[int], Awaitable[None]] | None = None) -> None:
        self._redis = redis
        self._on_wrong = on_wrong  # told the user id after each wrong PIN (transaction monitoring)
        self._max_attempts = max_attempts
        self._lock_seconds = lock_seconds
        self.step_up_seconds = step_up_seconds

    async def has_pin(self, *, user_id: int) -> bool:
        return await PaymentPin.exists(user_id=user_id)

    async def set_pin(self, *, user_id: int, pin: str, current_pin: str | None = None) -> None:
        """Set the PIN; changing an existing one needs the current PIN."""
        _checked(pin)
        if await PaymentPin.exists(user_id=user_id):
            if current_pin is None:
                raise errors.InvalidRequest(Text("ledger.pin_current_needed"), field="current_pin")
            await self._verify(user_id, current_pin)
        pin_hash = await asyncio.to_thread(_HASHER.hash, pin)
        async with in_transaction():
            row = await PaymentPin.select_for_update().get_or_none(user_id=user_id)
            if row is None:
                await PaymentPin.create(user_id=user_id, pin_hash=pin_hash)
            else:
                row.pin_hash, row.failed_attempts, row.locked_until = pin_hash, 0, None
                await row.save()

    async def verify(self, *, user_id: int, session_id: str, pin: str) -> int:
        """Check the PIN and grant this session a step-up; returns its lifetime in seconds."""
        await self._verify(user_id, pin)
        await self._redis.set(self._step_up_key(session_id), user_id, ex=self.step_up_seconds)
        return self.step_up_seconds

    async def has_recent_step_up(self, *, user_id: int, session_id: str) -> bool:
        granted = await self._redis.get(self._step_up_key(session_id))
        return granted is not None and int(granted) == user_id

    async def _verify(self, user_id: int, pin: str) -> None:
        async with in_transaction():
            # The row lock makes concurrent wrong tries count one by one.
            row = await PaymentPin.select_for_update().get_or_none(user_id=user_id)
            if row is None:
                raise errors.PinNotSet()
            now = datetime.now(timezone.utc)
            if row.locked_until is not None and row.locked_until > now:
                raise errors.PinLocked(retry_after_seconds=max(int((row.locked_until - now).total_seconds()), 1))
            ok = isinstance(pin, str) and len(pin) <= 64 and await asyncio.to_thread(_matches, row.pin_hash, pin)
            if ok:
                if row.failed_attempts or row.locked_until:
                    row.failed_attempts, row.locked_until = 0, None
                    await row.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
                return
            row.failed_attempts += 1
            left = max(self._max_attempts - row.failed_attempts, 0)
            if left == 0:
                row.failed_attempts, row.locked_until = 0, now + timedelta(seconds=self._lock_seconds)
            await row.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
        if self._on_wrong is not None:
            await self._on_wrong(user_id)
        raise errors.WrongPin(attempts_left=left)

    @staticmethod
    def _step_up_key(session_id: str) -> str:
        return f"ledger:step-up:{session_id}"
