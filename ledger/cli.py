"""`superapp ledger reconcile`: the daily reconciliation report, non-zero exit on any discrepancy."""

from __future__ import annotations

import argparse
import asyncio

from infra.commands import command
from infra.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["reconcile"], help="reconcile: check the ledger's invariants")


@command("ledger", "ledger operations: reconcile", _arguments)
def ledger(args: argparse.Namespace, settings: Settings) -> int:
    from ledger.reconcile import reconcile
    from infra import db

    async def run():
        database = await db.open_database(settings)
        try:
            return await reconcile()
        finally:
            await db.close_database(database)

    report = asyncio.run(run())
    print("\n".join(report.lines()))
    return 0 if report.clean else 1
