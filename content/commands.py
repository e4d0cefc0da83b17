"""``superapp worker content``: fold vouched tracking events into profiles, publish due items."""

from __future__ import annotations

import argparse
import asyncio

from infra.commands import worker, worker_process
from infra.settings import Settings


@worker("content")
def content_worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_run(settings, until_idle=args.until_idle))
    return 0


async def _run(settings: Settings, *, until_idle: bool) -> None:
    from content.service import ContentConfig, ContentService
    from infra.kv import open_redis
    from infra.pii import PiiCipher
    from infra.pubsub import EventBroker
    from tracking.service import TrackingConfig, TrackingService

    async with worker_process(settings) as stop:
        redis_handle = await open_redis(settings)
        broker = EventBroker(redis_handle.client, prefix=settings.channel_prefix)
        tracking = TrackingService(redis=redis_handle.client, cipher=PiiCipher.from_settings(settings),
                                   config=TrackingConfig.from_settings(settings))
        content = ContentService(config=ContentConfig.from_settings(settings), redis=redis_handle.client,
                                 broker=broker, tracking=tracking)
        try:
            if until_idle:
                await content.ensure_event_definitions()
                while await content.consume_once():
                    pass
                await content.release_due()
            else:
                async with content.running():
                    await stop.wait()
        finally:
            await broker.close()
            await redis_handle.close()
