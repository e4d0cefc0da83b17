"""The engine pool: work runs off the event loop, and a full pool answers EngineBusy at once."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import pytest

from kyc.config import KycConfig
from kyc.engines import EnginePool
from kyc.errors import EngineBusy


async def test_a_full_pool_refuses_instead_of_queueing_without_bound():
    pool = EnginePool(replace(KycConfig(), engine_workers=1, engine_queue=1))
    release = threading.Event()

    def slow(engines, label):
        release.wait(10)
        return label

    running = [asyncio.create_task(pool.run(slow, "first")), asyncio.create_task(pool.run(slow, "queued"))]
    await asyncio.sleep(0.05)
    assert pool.pending == 2
    with pytest.raises(EngineBusy) as caught:
        await pool.run(slow, "third")
    assert caught.value.retry_after_seconds >= 1
    release.set()
    assert await asyncio.gather(*running) == ["first", "queued"]
    assert await pool.run(lambda engines: threading.current_thread().name) != threading.current_thread().name
    pool.close()
