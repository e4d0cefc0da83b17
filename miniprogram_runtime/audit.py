"""The audit trail of bridge calls, written in batches off the request path.

One INSERT per call would cost more than a cheap call itself, so calls are buffered in
the process and a background task writes them every ``flush_seconds`` (or sooner when a
batch fills). What a crash can lose is the last interval's records, never a decision:
refusals and results were already returned by then.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import AsyncIterator

from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.context import _current_context as _current_tortoise_context

from miniprogram_runtime.models import BridgeCallRecord

_TABLE = BridgeCallRecord._meta.db_table
_COLUMNS = ("app_id", "user_id", "api", "version", "outcome", "duration_us", "called_at")
_PORTABLE_INSERT = f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"

log = logging.getLogger("miniprogram_runtime.audit")


class BridgeAudit:
    def __init__(self, *, flush_seconds: float, batch: int) -> None:
        self._flush_seconds = flush_seconds
        self._batch = batch
        self._pending: list[tuple] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def record(self, *, app_id: str, user_id: int, api: str, version: str | None, outcome: str,
               duration_us: int) -> None:
        # A plain tuple here; the model objects are built by the writer, off the request path.
        self._pending.append((app_id[:32], user_id, api[:48], version, outcome, duration_us,
                              datetime.now(timezone.utc)))
        if len(self._pending) >= self._batch:
            self._wake.set()

    async def flush(self) -> int:
        """Write what is buffered now; returns how many records were written."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                await _insert(batch)
            except Exception:
                # Keep the records for the next try, within a bound so an outage cannot eat memory.
                self._pending[:0] = batch[-self._batch * 20:]
                raise
            return len(batch)

    @asynccontextmanager
    async def writing(self, database: TortoiseContext) -> AsyncIterator[None]:
        """Run the writer for the life of the app; what is left is written on exit."""
        stop = asyncio.Event()

        async def run() -> None:
            _current_tortoise_context.set(database)
            while not stop.is_set():
                try:
                    await asyncio.wait_for(self._wake.wait(), self._flush_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
                try:
                    await self.flush()
                except Exception:  # noqa: BLE001 - the writer keeps going; the batch is retried
                    log.exception("could not write bridge audit records")

        task = asyncio.create_task(run())
        try:
            yield
        finally:
            stop.set()
            self._wake.set()
            await task
            token = _current_tortoise_context.set(database)
            try:
                await self.flush()
            finally:
                _current_tortoise_context.reset(token)


async def _insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL (the ORM's bulk insert cost more CPU than the calls it records)."""
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        async with client.acquire_connection() as conn:
            await conn.copy_records_to_table(_TABLE, records=rows, columns=_COLUMNS)
        return
    await client.execute_many(_PORTABLE_INSERT, [list(row) for row in rows])
