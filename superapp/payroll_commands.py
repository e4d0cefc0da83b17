"""``superapp worker payroll``: pay approved payroll batches, line by line from their holds.

It lives with the composition root because it needs the ledger and identity built beside
payroll. Any number may run at once: each batch is leased to one worker at a time, and a
line is paid exactly once whichever worker reaches it (``miniprograms/payroll/disbursement``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from infra.commands import worker, worker_process
from infra.settings import Settings

log = logging.getLogger("payroll.worker")


@worker("payroll")
def payroll_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Until stopped (or, --until-idle, until no line is left to pay)."""
    return asyncio.run(_pay(settings, consumer=args.consumer, until_idle=args.until_idle))


async def _pay(settings: Settings, *, consumer: str | None, until_idle: bool) -> int:
    from superapp.runtime import payroll_services

    async with worker_process(settings) as stop, payroll_services(settings, open_database=False) as payroll:
        if consumer:
            payroll.disbursement.owner = consumer
        paid = await payroll.disbursement.run(stop, until_idle=until_idle)
        log.info("payroll worker stopped after moving %d lines", paid)
    return 0
