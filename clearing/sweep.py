"""The background step: ask the network about movements whose result is late.

A movement still pending ``CLEARING_NOTIFICATION_GRACE_SECONDS`` after its request is
queried, then again with a doubling wait (at most an hour). Each query is claimed first
with a conditional update of the row's query count, so several workers (or servers) can
sweep at once without asking twice for the same movement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta, timezone

from clearing.config import ClearingConfig
from clearing.kinds import MovementKind, MovementStatus
from clearing.models import CardMovement
from clearing.movements import Movements

log = logging.getLogger("clearing.sweep")
BATCH = 50
MAX_BACKOFF_SECONDS = 3_600


class Sweep:
    def __init__(self, *, config: ClearingConfig, movements: Movements) -> None:
        self.config = config
        self.movements = movements

    def _next_wait(self, queries: int) -> timedelta:
        base = max(self.config.notification_grace_seconds, 1)
        return timedelta(seconds=min(base * 2 ** min(queries, 12), MAX_BACKOFF_SECONDS))

    async def once(self) -> int:
        """Query every movement that is due; how many were asked about."""
        now = datetime.now(timezone.utc)
        due = await CardMovement.filter(
            status=MovementStatus.PENDING, kind__in=(MovementKind.TOPUP, MovementKind.WITHDRAWAL),
            next_query_at__lte=now,
        ).order_by("next_query_at").limit(BATCH)
        asked = 0
        for row in due:
            claimed = await CardMovement.filter(id=row.id, status=MovementStatus.PENDING, queries=row.queries).update(
                queries=row.queries + 1, next_query_at=now + self._next_wait(row.queries),
            )
            if claimed:
                await self.movements.resolve(row)
                asked += 1
        return asked

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every ``CLEARING_SWEEP_MS`` until ``stop`` is set; a failed round is logged and retried."""
        while not stop.is_set():
            try:
                while await self.once() == BATCH and not stop.is_set():
                    pass
            except Exception:
                log.exception("clearing sweep failed; trying again in %.1f s", self.config.sweep_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.config.sweep_seconds)
