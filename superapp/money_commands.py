"""`superapp ledger reconcile [--date D]`, `superapp ledger expire-holds` and `superapp worker clearing`: the commands that
need the ledger and the clearing domain together, so they live with the composition root.

``ledger reconcile`` checks the whole ledger's invariants (postings sum to zero, balances
equal postings, ...); with ``--date`` it also compares that China Standard Time day's card
movements with the network's signed settlement file (in embedded mode, of the network the
running server started). Exit 0: clean; 1: any discrepancy or
mismatch; 2: the settlement file could not be fetched or did not prove itself.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import date

from infra.commands import command, worker, worker_process
from infra.settings import Settings

log = logging.getLogger("clearing.sweep")


def _reconcile_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["reconcile", "expire-holds"],
                        help="reconcile: check the ledger's invariants; expire-holds: release holds past their time")
    parser.add_argument("--date", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="also settle this China Standard Time day against the card network's file")


@command("ledger", "ledger operations: reconcile [--date D], expire-holds", _reconcile_args)
def ledger(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "expire-holds":
        return asyncio.run(_expire_holds(settings))
    return asyncio.run(_reconcile(settings, args.date))


async def _expire_holds(settings: Settings) -> int:
    """Release every hold past its time (run it every few minutes)."""
    from datetime import datetime, timezone

    from infra import db
    from ledger.holds import expire_due

    database = await db.open_database(settings)
    try:
        released = await expire_due(now=datetime.now(timezone.utc))
    finally:
        await db.close_database(database)
    print(f"holds released after their time: {released}")
    return 0


async def _reconcile(settings: Settings, day: date | None) -> int:
    from clearing.service import ClearingError
    from ledger.reconcile import reconcile
    from superapp.embedded_network import joined
    from superapp.runtime import money_services

    async with money_services(joined(settings)) as (_, clearing):
        report = await reconcile()
        print("\n".join(report.lines()))
        if day is None:
            return 0 if report.clean else 1
        try:
            settlement = await clearing.reconcile_day(day)
        except ClearingError as exc:
            print(f"settlement {day}: {exc}")
            return 2
    print("\n".join(settlement.lines()))
    return 0 if report.clean and settlement.clean else 1


@worker("clearing")
def clearing_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Ask the network about movements whose result is late, until stopped (or once, --until-idle)."""
    from clearing.service import ClearingConfig

    if ClearingConfig.from_settings(settings).embedded:
        print("superapp: worker clearing needs CARD_NETWORK_URL (in embedded mode the server sweeps by itself)")
        return 2
    return asyncio.run(_sweep(settings, until_idle=args.until_idle))


async def _sweep(settings: Settings, *, until_idle: bool) -> int:
    from superapp.runtime import money_services

    async with worker_process(settings) as stop, money_services(settings, open_database=False) as (_, clearing):
        if until_idle:
            log.info("clearing sweep asked the network about %d movements", await clearing.sweep_once())
        else:
            await clearing.sweep.run(stop)
    return 0
