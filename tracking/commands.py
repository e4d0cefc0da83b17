"""``superapp worker tracking``: drain the tracking stream into the database until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging

from infra.commands import worker, worker_process
from infra.settings import Settings

log = logging.getLogger("tracking.worker")


@worker("tracking")
def tracking_worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_run_tracking_worker(settings, consumer=args.consumer, until_idle=args.until_idle))
    return 0


async def _run_tracking_worker(settings: Settings, *, consumer: str | None, until_idle: bool) -> None:
    from infra.kv import open_redis, open_redis_at
    from tracking.config import TrackingConfig
    from tracking.worker import run_worker

    config = TrackingConfig.from_settings(settings)
    async with worker_process(settings) as stop:
        redis_handle = await open_redis(settings)
        try:
            redis = redis_handle.client if config.redis_url is None else await open_redis_at(config.redis_url, settings)
            try:
                progress = await run_worker(
                    redis=redis, config=config, stop=stop, consumer=consumer, until_idle=until_idle
                )
            finally:
                if redis is not redis_handle.client:
                    await redis.aclose()
            log.info("tracking worker stopped after storing %d events", progress.stored)
        finally:
            await redis_handle.close()
