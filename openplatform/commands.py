"""``superapp worker webhooks`` and ``superapp webhooks redeliver ID | --all-dead``."""

from __future__ import annotations

import argparse
import asyncio
import logging

from infra.commands import command, worker, worker_process
from infra.settings import Settings

log = logging.getLogger("openplatform.webhooks")


@worker("webhooks")
def webhooks_worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_run_webhooks_worker(settings, until_idle=args.until_idle))
    return 0


async def _run_webhooks_worker(settings: Settings, *, until_idle: bool) -> None:
    from openplatform.config import OpenPlatformConfig
    from openplatform.delivery import WebhookDeliverer, http_client

    config = OpenPlatformConfig.from_settings(settings)
    async with worker_process(settings) as stop, http_client(config) as http:
        progress = await WebhookDeliverer(config, http).run(stop=stop, until_idle=until_idle)
        log.info("webhooks worker stopped: %d delivered, %d failed attempts, %d dead",
                 progress.delivered, progress.failed, progress.dead)


def _webhooks_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    again = sub.add_parser("redeliver", help="queue a delivery again (any state) with a fresh set of attempts")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the delivery's id")
    which.add_argument("--all-dead", action="store_true", help="every dead-lettered delivery")


@command("webhooks", "webhook deliveries: redeliver ID | --all-dead", _webhooks_args)
def webhooks(args: argparse.Namespace, settings: Settings) -> int:
    from openplatform.delivery import redeliver
    from infra import db

    async def run() -> int:
        database = await db.open_database(settings)
        try:
            return await redeliver(delivery_id=args.id, all_dead=args.all_dead)
        finally:
            await db.close_database(database)

    count = asyncio.run(run())
    print(f"{count} deliver{'y' if count == 1 else 'ies'} queued again")
    return 0 if count else 1
