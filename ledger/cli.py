"""`superapp ledger reconcile`: the daily reconciliation report, non-zero exit on any discrepancy.
`superapp ledger expire-holds`: release every hold past its time (run it every few minutes)."""

from __future__ import annotations

import argparse
import asyncio

from infra.commands import command
from infra.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["reconcile", "expire-holds"],
                        help="reconcile: check the ledger's invariants; expire-holds: release holds past their time")


@command("ledger", "ledger operations: reconcile, expire-holds", _arguments)
def ledger(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime, timezone

    from infra import db
    from ledger.holds import expire_due
    from ledger.reconcile import reconcile

    async def run(step):
        database = await db.open_database(settings)
        try:
            return await step()
        finally:
            await db.close_database(database)

    if args.action == "expire-holds":
        released = asyncio.run(run(lambda: expire_due(now=datetime.now(timezone.utc))))
        print(f"holds released after their time: {released}")
        return 0
    report = asyncio.run(run(reconcile))
    print("\n".join(report.lines()))
    return 0 if report.clean else 1
