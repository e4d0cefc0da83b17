"""Idempotency-Key for open-API POSTs: the same key and request get the stored answer.

The key is reserved before the endpoint runs, so two copies of a request sent at once
do not both run: the second is told the first is in progress. A reservation left by a
process that died is taken over after ``STALE_SECONDS``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from openplatform import errors
from openplatform.models import OpenApiResponse

STALE_SECONDS = 60
MAX_KEY = 128


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: dict


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(f"{method.upper()} {path}\n".encode() + body).hexdigest()


def check_key(key: str | None) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise errors.IdempotencyKeyRequired()
    return key


async def begin(*, app_id: str, key: str, fingerprint: str) -> StoredResponse | None:
    """None: the key is now reserved for this request. Otherwise the stored answer."""
    for _ in range(2):
        try:
            await OpenApiResponse.create(app_id=app_id, idempotency_key=key, fingerprint=fingerprint)
            return None
        except IntegrityError:
            pass
        found = await OpenApiResponse.get_or_none(app_id=app_id, idempotency_key=key)
        if found is None:
            continue  # abandoned and deleted meanwhile: reserve again
        if found.fingerprint != fingerprint:
            raise errors.RequestConflict()
        if found.status_code is not None:
            return StoredResponse(found.status_code, found.body)
        stale = datetime.now(timezone.utc) - timedelta(seconds=STALE_SECONDS)
        if found.created_at > stale:
            raise errors.RequestInProgress()
        await OpenApiResponse.filter(id=found.id, status_code__isnull=True).delete()
    raise errors.RequestInProgress()


async def finish(*, app_id: str, key: str, status_code: int, body: dict) -> None:
    await OpenApiResponse.filter(app_id=app_id, idempotency_key=key).update(status_code=status_code, body=body)


async def abandon(*, app_id: str, key: str) -> None:
    """The endpoint failed unexpectedly: free the key so the partner can retry."""
    await OpenApiResponse.filter(app_id=app_id, idempotency_key=key, status_code__isnull=True).delete()
