"""Refusals remembered under their idempotency key, so a retry gets the same answer.

Written in the refused request's own transaction, under its row locks: a concurrent retry
with the key waits, then sees the refusal.
"""

from __future__ import annotations

import json
from datetime import datetime

from ledger import errors
from ledger import posting_sql as sql


async def repeat(conn, key: str, fingerprint: str) -> None:
    """Raise the refusal remembered under ``key``, if there is one (or a conflict if the request differs)."""
    _, declined = await conn.execute_query(sql.for_dialect(sql.FIND_DECLINED, conn.capabilities.dialect), [key])
    if declined:
        if declined[0]["fingerprint"] != fingerprint:
            raise errors.IdempotencyConflict(key)
        raise errors.declined_from(declined[0]["code"], json.loads(declined[0]["detail"]))


async def remember(conn, key: str, fingerprint: str, refusal: errors.Declined, now: datetime) -> None:
    await conn.execute_query(
        sql.for_dialect(sql.INSERT_DECLINED, conn.capabilities.dialect),
        [key, fingerprint, refusal.code.value, json.dumps(refusal.detail()), now],
    )
